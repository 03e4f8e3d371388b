/// Why `SignedNote.verify` did not accept a note.
public struct NoteVerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case wrongKeyLength = "the public key is not 32 bytes"
        case noSignatureFromKey = "the note has no signature line with this key's name and key ID"
        case invalidSignature = "a signature from this key does not verify"
    }

    public let kind: Kind
    /// The key name that was looked for.
    public let name: String

    public init(_ kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    public var description: String { "signed note not verified for key \(name): \(kind.rawValue)" }
}
