/// Why a note text is not a checkpoint.
public struct CheckpointParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case controlCharacter = "the checkpoint contains a control character other than newline"
        case missingFinalNewline = "the checkpoint does not end with a newline"
        case tooFewLines = "a checkpoint has at least three lines: origin, tree size, root hash"
        case emptyLine = "checkpoint lines must not be empty"
        case invalidSize = "the tree size is not a decimal integer without leading zeros (0 to 2^64-1)"
        case invalidRootHash = "the root hash is not canonical base64 of 32 bytes"
    }

    public let kind: Kind
    /// The 1-based line of the body, when the problem is on one line.
    public let line: Int?

    public init(_ kind: Kind, line: Int? = nil) {
        self.kind = kind
        self.line = line
    }

    public var description: String {
        "malformed checkpoint\(line.map { " (line \($0))" } ?? ""): \(kind.rawValue)"
    }
}
