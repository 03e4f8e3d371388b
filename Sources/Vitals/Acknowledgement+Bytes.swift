/// The acknowledgement written straight to bytes, without a `JSONValue` tree:
/// the agent publishes one per device per commit, on the hot path (measured:
/// building the tree and serializing it was a visible part of each ingest
/// cycle, docs/performance.md). Same bytes as `json.serializedUTF8(pretty: false)`.
extension Acknowledgement {
    public var utf8: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + 24 * acked.count + 32 * rejected.count)
        out += #"{"boot":"#.utf8
        Self.appendDecimal(UInt64(boot), to: &out)
        out += #","acked":["#.utf8
        for (i, r) in acked.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            Self.appendDecimal(r.lowerBound, to: &out)
            out.append(UInt8(ascii: ","))
            Self.appendDecimal(r.upperBound, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        out += #"],"rejected":["#.utf8
        for (i, r) in rejected.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            Self.appendDecimal(r.seq, to: &out)
            out.append(UInt8(ascii: ","))
            Self.appendString(r.reason, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        out += "]}".utf8
        return out
    }

    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value
        var n = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                buf[19 - n] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                n += 1
            } while v > 0
            out.append(contentsOf: buf[(20 - n)...])
        }
    }

    /// A JSON string (RFC 8259 section 7): quotes, backslash and control characters escaped.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(b)
            case 0..<0x20:
                out += #"\u00"#.utf8
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default:
                out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
