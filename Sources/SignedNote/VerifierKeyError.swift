/// Why a verifier key string (`<name>+<hex key ID>+<base64 key>`) was rejected.
public struct VerifierKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case malformed = "a verifier key has three parts separated by +: name, key ID, key"
        case invalidName = "the key name is empty or contains a space"
        case invalidKeyID = "the key ID is not 8 hex digits"
        case invalidBase64 = "the key is not canonical standard base64"
        case unsupportedType = "the key is not an Ed25519 key (type byte 0x01)"
        case wrongKeyLength = "an Ed25519 public key has 32 bytes"
        case keyIDMismatch = "the key ID does not match SHA-256(name || 0x0A || 0x01 || key)"
    }

    public let kind: Kind

    public init(_ kind: Kind) {
        self.kind = kind
    }

    public var description: String { "invalid verifier key: \(kind.rawValue)" }
}
