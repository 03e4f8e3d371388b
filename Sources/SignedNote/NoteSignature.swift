/// One signature line of a signed note (C2SP signed-note, "Signatures"):
/// `— <name> base64(keyID || signature)`.
public struct NoteSignature: Sendable, Equatable {
    /// The key name: non-empty, no Unicode spaces, no `+`.
    public let name: String
    /// The 4-byte key ID, big-endian as on the wire.
    public let keyID: [UInt8]
    /// The signature bytes for the key's algorithm (64 for Ed25519).
    public let signature: [UInt8]

    /// Preconditions: `name` is a valid key name (`NoteKeyName.isValid`),
    /// `keyID` has 4 bytes and `signature` at least 1.
    public init(name: String, keyID: [UInt8], signature: [UInt8]) {
        precondition(NoteKeyName.isValid(name), "invalid note key name")
        precondition(keyID.count == 4, "a note key ID has 4 bytes")
        precondition(!signature.isEmpty, "empty signature")
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// The key ID as the big-endian integer that verifier keys print in hex.
    public var keyIDValue: UInt32 {
        keyID.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
