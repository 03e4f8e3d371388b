extension SignedNote {
    /// Checks that the note carries a valid Ed25519 signature by the key
    /// `name` / `publicKey`. Signature lines are matched on both key name and
    /// key ID, as the spec requires; lines from other keys are ignored.
    /// Every matching line must verify ("If a signature from a known key
    /// fails to verify, clients SHOULD reject the whole note").
    ///
    /// - Parameter isValid: verifies an Ed25519 signature (message, signature)
    ///   under `publicKey`; the caller supplies it (the Sodium adapter).
    public func verify(name: String, publicKey: [UInt8], isValid: ([UInt8], [UInt8]) -> Bool) throws(NoteVerificationError) {
        guard publicKey.count == 32 else { throw NoteVerificationError(.wrongKeyLength, name: name) }
        let id = Ed25519NoteKey.keyID(name: name, publicKey: publicKey)
        let matching = signatures.filter { $0.name == name && $0.keyID == id }
        guard !matching.isEmpty else { throw NoteVerificationError(.noSignatureFromKey, name: name) }
        let message = Array(text.utf8)
        for signature in matching where !isValid(message, signature.signature) {
            throw NoteVerificationError(.invalidSignature, name: name)
        }
    }
}
