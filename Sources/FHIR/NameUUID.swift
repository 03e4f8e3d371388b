import Codecs
import JSON
import SHA2

/// Deterministic `urn:uuid:` names for Bundle entries, so the same content
/// always gets the same fullUrl and a resent Bundle is byte for byte the
/// one sent before.
public enum NameUUID {
    /// A UUID (RFC 9562 version 8, custom) from the first 16 bytes of
    /// SHA-256(`name`), with the version and variant bits set.
    public static func urn(_ name: String) -> String {
        var b = Array(SHA256.hash(Array(name.utf8)).bytes.prefix(16))
        b[6] = (b[6] & 0x0F) | 0x80  // version 8
        b[8] = (b[8] & 0x3F) | 0x80  // variant 10
        let hex = Hex.encode(b)
        func part(_ from: Int, _ to: Int) -> Substring {
            hex[hex.index(hex.startIndex, offsetBy: from)..<hex.index(hex.startIndex, offsetBy: to)]
        }
        return "urn:uuid:\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }
}
