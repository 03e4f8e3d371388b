import Codecs
import JSON

/// A transparency log checkpoint (c2sp.org/tlog-checkpoint): the note text
/// naming a log's Merkle tree head.
public struct Checkpoint: Sendable, Equatable {
    /// The log's identity, e.g. `vitalgate.example/gw-17`; also its key name.
    public let origin: String
    /// The number of leaves in the tree.
    public let size: UInt64
    /// The RFC 9162 (RFC 6962) root hash at `size`: 32 bytes.
    public let rootHash: [UInt8]
    /// Opaque extra lines; the spec does not recommend them.
    public let extensions: [String]

    /// Preconditions: `origin` and each extension line are non-empty and
    /// contain no control characters (in particular no newline); `rootHash`
    /// has 32 bytes.
    public init(origin: String, size: UInt64, rootHash: [UInt8], extensions: [String] = []) {
        precondition(Self.isValidLine(origin), "checkpoint origin must be a non-empty line without control characters")
        precondition(rootHash.count == 32, "checkpoint root hash must be 32 bytes")
        precondition(extensions.allSatisfy(Self.isValidLine), "checkpoint extension lines must be non-empty, without control characters")
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// The note text: `<origin>\n<size>\n<base64 root>\n`, then each extension line and a newline.
    public var body: String {
        var out = "\(origin)\n\(size)\n\(Base64.encode(rootHash))\n"
        for line in extensions { out += line + "\n" }
        return out
    }

    static func isValidLine(_ line: String) -> Bool {
        !line.isEmpty && !line.utf8.contains { $0 < 0x20 }
    }
}
