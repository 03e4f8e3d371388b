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

extension Checkpoint {
    /// Parses a note text as a checkpoint (tlog-checkpoint, "Note text"):
    /// at least three non-empty lines, each ending in a newline; a tree size
    /// in decimal without leading zeros; a root hash that is canonical base64
    /// of 32 bytes. `Checkpoint(body:).body` reproduces the input exactly.
    public init(body: String) throws(CheckpointParseError) {
        guard !body.utf8.contains(where: { $0 < 0x20 && $0 != 0x0A }) else { throw CheckpointParseError(.controlCharacter) }
        guard body.utf8.last == 0x0A else { throw CheckpointParseError(.missingFinalNewline) }
        let lines = body.utf8.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false).map { String(Substring($0)) }
        guard lines.count >= 3 else { throw CheckpointParseError(.tooFewLines) }
        for (i, line) in lines.enumerated() where line.isEmpty { throw CheckpointParseError(.emptyLine, line: i + 1) }
        guard let size = Self.parseSize(lines[1]) else { throw CheckpointParseError(.invalidSize, line: 2) }
        guard let root = Base64.decode(lines[2]), root.count == 32 else { throw CheckpointParseError(.invalidRootHash, line: 3) }
        self.init(origin: lines[0], size: size, rootHash: root, extensions: Array(lines[3...]))
    }

    /// ASCII decimal, no sign, no leading zeros unless the value is 0, within `UInt64`.
    static func parseSize(_ text: String) -> UInt64? {
        let utf8 = text.utf8
        guard let first = utf8.first, utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return nil }
        if first == UInt8(ascii: "0"), utf8.count > 1 { return nil }
        return UInt64(text)
    }
}

/// Why a note text is not a checkpoint.
public typealias CheckpointParseError = ParseError<CheckpointProblem>

public enum CheckpointProblem: String, ParseProblem {
    public static let subject = "checkpoint"
    // Table-like data (duplicates): each problem's message, as `ParseError` prints it: raw values, not logic.
    case controlCharacter = "the checkpoint contains a control character other than newline"
    case missingFinalNewline = "the checkpoint does not end with a newline"
    case tooFewLines = "a checkpoint has at least three lines: origin, tree size, root hash"
    case emptyLine = "checkpoint lines must not be empty"
    case invalidSize = "the tree size is not a decimal integer without leading zeros (0 to 2^64-1)"
    case invalidRootHash = "the root hash is not canonical base64 of 32 bytes"
}
