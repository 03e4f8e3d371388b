import Codecs
import JSON

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
