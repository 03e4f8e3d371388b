import JSON
import SignedNote

extension BundleVerifier {
    /// The key that signed the checkpoint must belong to the gateway's key
    /// chain (docs/security.md, "Trust model"): the chain starts at the
    /// provisioned key, and each rotation statement, signed by the key
    /// before it, names the next. Pinned keys (`--gateway-key`) must appear
    /// in the chain at or before the signing key; without pins the chain's
    /// first key is trusted as the bundle presents it.
    func checkKeyChain(_ b: ProofBundle, _ parsed: Result<(note: SignedNote, checkpoint: Checkpoint), Error>) -> VerificationStep {
        guard b.gatewayPublicKey.count == 32 else { return .fail(.keyChain, "gateway_public_key is not 32 bytes") }
        var keys: [[UInt8]] = []
        for (i, link) in b.keyChain.enumerated() {
            let statement: KeyRotation
            do { statement = try KeyRotation(canonicalEncoding: link.statement) } catch {
                return .fail(.keyChain, "key_chain[\(i)]: \(error)")
            }
            if keys.isEmpty { keys.append(statement.oldKey) }
            guard statement.oldKey == keys.last! else {
                return .fail(.keyChain, "key_chain[\(i)] rotates key \(Hex.encode(statement.oldKey)), but the chain is at \(Hex.encode(keys.last!))")
            }
            guard statement.seq == UInt64(i + 1) else {
                return .fail(.keyChain, "key_chain[\(i)] has seq \(statement.seq), expected \(i + 1): a rotation is missing or out of order")
            }
            if case .success(let p) = parsed, p.checkpoint.origin != "vitalgate/\(statement.gateway)" {
                return .fail(.keyChain, "key_chain[\(i)] is for gateway \(statement.gateway), the checkpoint's origin is \(p.checkpoint.origin)")
            }
            guard ed25519(statement.oldKey, link.statement, link.signature) else {
                return .fail(.keyChain, "key_chain[\(i)] is not signed by the key it rotates")
            }
            guard !keys.contains(statement.newKey) else {
                return .fail(.keyChain, "key_chain[\(i)] names key \(Hex.encode(statement.newKey)) a second time")
            }
            keys.append(statement.newKey)
        }
        if keys.isEmpty { keys = [b.gatewayPublicKey] }
        guard let position = keys.firstIndex(of: b.gatewayPublicKey) else {
            return .fail(.keyChain, "gateway key \(Hex.encode(b.gatewayPublicKey)) is not in the chain starting at \(Hex.encode(keys[0]))")
        }
        let trust: String
        if let trustedKeys {
            guard let anchor = keys.prefix(position + 1).firstIndex(where: { trustedKeys.contains($0) }) else {
                return .fail(.keyChain, "no pinned key (--gateway-key) is key \(Hex.encode(b.gatewayPublicKey)) or precedes it in the chain starting at \(Hex.encode(keys[0]))")
            }
            trust = "pinned key \(Hex.encode(keys[anchor]))"
        } else {
            trust = "the chain's first key \(Hex.encode(keys[0])), not pinned (give --gateway-key to pin the provisioned key)"
        }
        return .pass(.keyChain, "key \(position + 1) of \(keys.count), trusted through \(trust)")
    }
}
