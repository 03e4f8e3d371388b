import JSON

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
