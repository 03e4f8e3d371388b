import Codecs
import JSON
import SignedNote

/// A gateway's key chain as a verifier walks it (docs/security.md, "Trust
/// model"): the provisioned key, then the key each rotation statement names,
/// each statement signed by the key before it.
public struct VerifiedKeyChain: Sendable, Equatable {
    /// The keys in order, the provisioned one first.
    public let keys: [[UInt8]]

    /// Keys already checked (or a part of a checked chain).
    public init(keys: [[UInt8]]) {
        precondition(!keys.isEmpty, "a key chain has a key")
        self.keys = keys
    }

    /// Walks `links` (oldest first). Without links the chain is `[lastKey]`.
    /// - Parameter origin: the checkpoint origin the statements must be for, if known.
    /// - Returns: the chain, or why it is not one.
    public static func walk(_ links: [KeyChainLink], origin: String?, lastKey: [UInt8],
                            ed25519: BundleVerifier.Ed25519Verify) -> Result<VerifiedKeyChain, ChainError> {
        var keys: [[UInt8]] = []
        for (i, link) in links.enumerated() {
            let statement: KeyRotation
            do { statement = try KeyRotation(canonicalEncoding: link.statement) } catch {
                return .failure(ChainError("key_chain[\(i)]: \(error)"))
            }
            if keys.isEmpty { keys.append(statement.oldKey) }
            guard statement.oldKey == keys.last! else {
                return .failure(ChainError("key_chain[\(i)] rotates key \(Hex.encode(statement.oldKey)), but the chain is at \(Hex.encode(keys.last!))"))
            }
            guard statement.seq == UInt64(i + 1) else {
                return .failure(ChainError("key_chain[\(i)] has seq \(statement.seq), expected \(i + 1): a rotation is missing or out of order"))
            }
            if let origin, origin != "vitalgate/\(statement.gateway)" {
                return .failure(ChainError("key_chain[\(i)] is for gateway \(statement.gateway), the checkpoint's origin is \(origin)"))
            }
            guard ed25519(statement.oldKey, link.statement, link.signature) else {
                return .failure(ChainError("key_chain[\(i)] is not signed by the key it rotates"))
            }
            guard !keys.contains(statement.newKey) else {
                return .failure(ChainError("key_chain[\(i)] names key \(Hex.encode(statement.newKey)) a second time"))
            }
            keys.append(statement.newKey)
        }
        return .success(VerifiedKeyChain(keys: keys.isEmpty ? [lastKey] : keys))
    }

    public struct ChainError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// How `key` (at its position in the chain) is trusted: through the first
    /// pinned key at or before it, or, without pins, through the chain's first
    /// key as presented. Nil when pins are given and none comes at or before it.
    public func trust(of position: Int, pins: [[UInt8]]?) -> Trust? {
        guard let pins else { return .unpinned(first: keys[0]) }
        guard let anchor = keys.prefix(position + 1).firstIndex(where: { pins.contains($0) }) else { return nil }
        return .pinned(keys[anchor])
    }

    public enum Trust: Sendable, Equatable {
        case pinned([UInt8])
        case unpinned(first: [UInt8])
    }

    /// The position of the chain key that signed `note` for `origin`, if one did.
    public func signer(of note: SignedNote, origin: String, ed25519: BundleVerifier.Ed25519Verify) -> Int? {
        for (position, key) in keys.enumerated().reversed() {
            if (try? note.verify(name: origin, publicKey: key, isValid: { ed25519(key, $0, $1) })) != nil { return position }
        }
        return nil
    }
}

extension BundleVerifier {
    /// The key that signed the checkpoint must belong to the gateway's key
    /// chain (docs/security.md, "Trust model"): the chain starts at the
    /// provisioned key, and each rotation statement, signed by the key
    /// before it, names the next. Pinned keys (`--gateway-key`) must appear
    /// in the chain at or before the signing key; without pins the chain's
    /// first key is trusted as the bundle presents it.
    func checkKeyChain(_ b: ProofBundle, _ parsed: Result<(note: SignedNote, checkpoint: Checkpoint), Error>) -> VerificationStep {
        checkKeyChain(b.keyChain, signingKey: b.gatewayPublicKey, origin: (try? parsed.get())?.checkpoint.origin)
    }

    func checkKeyChain(_ links: [KeyChainLink], signingKey: [UInt8], origin: String?) -> VerificationStep {
        guard signingKey.count == 32 else { return .fail(.keyChain, "gateway_public_key is not 32 bytes") }
        let chain: VerifiedKeyChain
        switch VerifiedKeyChain.walk(links, origin: origin, lastKey: signingKey, ed25519: ed25519) {
        case .success(let c): chain = c
        case .failure(let e): return .fail(.keyChain, e.description)
        }
        let keys = chain.keys
        guard let position = keys.firstIndex(of: signingKey) else {
            return .fail(.keyChain, "gateway key \(Hex.encode(signingKey)) is not in the chain starting at \(Hex.encode(keys[0]))")
        }
        switch chain.trust(of: position, pins: trustedKeys) {
        case nil:
            return .fail(.keyChain, "no pinned key (--gateway-key) is key \(Hex.encode(signingKey)) or precedes it in the chain starting at \(Hex.encode(keys[0]))")
        case .pinned(let key)?:
            return .pass(.keyChain, "key \(position + 1) of \(keys.count), trusted through pinned key \(Hex.encode(key))")
        case .unpinned(let first)?:
            return .pass(.keyChain, "key \(position + 1) of \(keys.count), trusted through the chain's first key \(Hex.encode(first)), not pinned (give --gateway-key to pin the provisioned key)")
        }
    }
}
