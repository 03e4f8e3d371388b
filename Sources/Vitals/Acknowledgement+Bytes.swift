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
        out += #","acked":["#.utf8
        for (i, r) in acked.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            JSONText.appendInteger(r.lowerBound, to: &out)
            out.append(UInt8(ascii: ","))
            JSONText.appendInteger(r.upperBound, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        out += #"],"rejected":["#.utf8
        for (i, r) in rejected.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            JSONText.appendInteger(r.seq, to: &out)
            out.append(UInt8(ascii: ","))
            JSONText.appendString(r.reason, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        out += "]}".utf8
        return out
    }
}
