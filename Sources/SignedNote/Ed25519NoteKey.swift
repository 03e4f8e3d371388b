import Codecs
import JSON
import SHA2

/// Ed25519 keys in signed notes (c2sp.org/signed-note, "Ed25519 signatures";
/// the verifier-key text form of golang.org/x/mod/sumdb/note).
public enum Ed25519NoteKey {
    /// The signature type identifier byte assigned to Ed25519.
    public static let signatureType: UInt8 = 0x01

    /// `SHA-256(name || 0x0A || 0x01 || publicKey)[:4]`.
    /// Preconditions: `name` is a valid key name, `publicKey` has 32 bytes.
    public static func keyID(name: String, publicKey: [UInt8]) -> [UInt8] {
        precondition(publicKey.count == 32, "an Ed25519 public key has 32 bytes")
        var hasher = SHA256()
        hasher.update(Array(name.utf8))
        hasher.update([0x0A, signatureType])
        hasher.update(publicKey)
        return Array(hasher.finalize().bytes.prefix(4))
    }

    /// `<name>+<key ID, 8 lowercase hex digits>+<base64(0x01 || publicKey)>`.
    public static func verifierKey(name: String, publicKey: [UInt8]) -> String {
        "\(name)+\(Hex.encode(keyID(name: name, publicKey: publicKey)))+\(Base64.encode([signatureType] + publicKey))"
    }

    /// The name and 32-byte public key in a verifier key, after checking
    /// that its type byte is Ed25519's and its key ID matches name and key.
    public static func parseVerifierKey(_ text: String) throws(VerifierKeyError) -> (name: String, publicKey: [UInt8]) {
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw VerifierKeyError(.malformed) }
        let name = String(parts[0])
        guard NoteKeyName.isValid(name) else { throw VerifierKeyError(.invalidName) }
        guard parts[1].utf8.count == 8, let id = Hex.decode(String(parts[1])) else { throw VerifierKeyError(.invalidKeyID) }
        guard let blob = Base64.decode(String(parts[2])) else { throw VerifierKeyError(.invalidBase64) }
        guard blob.first == signatureType else { throw VerifierKeyError(.unsupportedType) }
        guard blob.count == 33 else { throw VerifierKeyError(.wrongKeyLength) }
        let publicKey = Array(blob[1...])
        guard keyID(name: name, publicKey: publicKey) == id else { throw VerifierKeyError(.keyIDMismatch) }
        return (name, publicKey)
    }
}

/// Why a verifier key string (`<name>+<hex key ID>+<base64 key>`) was rejected.
public struct VerifierKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        // Table-like data (duplicates): each kind's message, as the error prints it: raw values, not logic.
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
