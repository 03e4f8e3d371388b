import JSON

/// The end-to-end acknowledgement the gateway publishes to
/// `vitals/<device-id>/ack` once readings are durably committed or durably
/// recorded as rejected (Devices/README.md has the device-side contract):
///
///     {"boot":3,"acked":[[1,50],[52,52]],"rejected":[[51,"out_of_range"]]}
///
/// `acked` lists inclusive seq ranges, for that boot, that the device may
/// forget; `rejected` names those among them that were refused, and why.
public struct Acknowledgement: Sendable, Equatable {
    public let boot: UInt32
    /// Inclusive, sorted, non-overlapping, non-adjacent ranges.
    public let acked: [ClosedRange<UInt64>]
    public let rejected: [(seq: UInt64, reason: String)]

    /// Builds the acknowledgement of `seqs` (in any order, repeats allowed).
    public init(boot: UInt32, seqs: [UInt64], rejected: [(seq: UInt64, reason: String)] = []) {
        self.boot = boot
        var ranges: [ClosedRange<UInt64>] = []
        for s in Set(seqs).sorted() {
            if let last = ranges.last, last.upperBound &+ 1 == s {
                ranges[ranges.count - 1] = last.lowerBound...s
            } else {
                ranges.append(s...s)
            }
        }
        self.acked = ranges
        self.rejected = rejected.sorted { $0.seq < $1.seq }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.boot == b.boot && a.acked == b.acked && a.rejected.map(\.seq) == b.rejected.map(\.seq)
            && a.rejected.map(\.reason) == b.rejected.map(\.reason)
    }

    public func contains(_ seq: UInt64) -> Bool { acked.contains { $0.contains(seq) } }

    public var json: JSONValue {
        .object(JSONObject([
            (key: "boot", value: .int(boot)),
            (key: "acked", value: .array(acked.map { .array([.int($0.lowerBound), .int($0.upperBound)]) })),
            (key: "rejected", value: .array(rejected.map { .array([.int($0.seq), .string($0.reason)]) })),
        ]))
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses an acknowledgement (the device side, the simulator, tests).
    public init(json: JSONValue) throws(FormatError) {
        guard let b = json["boot"].flatMap(Reading.boot), let ranges = json["acked"]?.array else {
            throw FormatError(description: "ack needs boot and acked")
        }
        var acked: [ClosedRange<UInt64>] = []
        for r in ranges {
            guard let pair = r.array, pair.count == 2, let lo = Reading.seq(pair[0]), let hi = Reading.seq(pair[1]), lo <= hi else {
                throw FormatError(description: "acked ranges are [first, last] pairs")
            }
            acked.append(lo...hi)
        }
        var rejected: [(seq: UInt64, reason: String)] = []
        for r in json["rejected"]?.array ?? [] {
            guard let pair = r.array, pair.count == 2, let s = Reading.seq(pair[0]), let reason = pair[1].string else {
                throw FormatError(description: "rejected entries are [seq, reason] pairs")
            }
            rejected.append((s, reason))
        }
        self.boot = b
        self.acked = acked
        self.rejected = rejected
    }
}

/// The acknowledgement written straight to bytes, without a `JSONValue` tree:
/// the agent publishes one per device per commit, on the hot path (measured:
/// building the tree and serializing it was a visible part of each ingest
/// cycle, docs/performance.md). Same bytes as `json.serializedUTF8(pretty: false)`:
/// the pieces come from the JSON module's own writer (`JSONText`).
extension Acknowledgement {
    public var utf8: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + 24 * acked.count + 32 * rejected.count)
        out += #"{"boot":"#.utf8
        JSONText.appendInteger(UInt64(boot), to: &out)
        out += #","acked":"#.utf8
        Self.appendPairs(acked, to: &out) { r, out in
            JSONText.appendInteger(r.lowerBound, to: &out)
            out.append(UInt8(ascii: ","))
            JSONText.appendInteger(r.upperBound, to: &out)
        }
        out += #","rejected":"#.utf8
        Self.appendPairs(rejected, to: &out) { r, out in
            JSONText.appendInteger(r.seq, to: &out)
            out.append(UInt8(ascii: ","))
            JSONText.appendString(r.reason, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `[[a,b],[c,d],...]`: `body` writes each element's two members and the comma between them.
    private static func appendPairs<Element>(_ elements: [Element], to out: inout [UInt8], _ body: (Element, inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: "["))
        for (i, element) in elements.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            body(element, &out)
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
    }
}
