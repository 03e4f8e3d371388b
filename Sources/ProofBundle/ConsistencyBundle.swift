import Codecs
import JSON
import Merkle
import SHA2
import SignedNote

/// Proof that a gateway's log only grew between two of its signed
/// checkpoints: `vitalgate export --consistency OLD NEW` writes it, `verify`
/// checks it alone or beside a proof bundle, and `audit chain` reads folders
/// of them (docs/proof-bundle.md, "Consistency proofs").
///
///     {"format": "vitalgate-consistency/1", "old_checkpoint": "<signed note>",
///      "new_checkpoint": "<signed note>", "proof": ["<hex>", ...],
///      "gateway_public_key": "<hex>", "key_chain": [...]}
///
/// `proof` is RFC 9162 section 2.1.4.1's PROOF(old size, D[0:new size]);
/// `gateway_public_key` signed the newer checkpoint; `key_chain` is the
/// bundle's (docs/proof-bundle.md), so a rotation between the two
/// checkpoints is followed.
public struct ConsistencyBundle: Sendable, Equatable {
    public static let format = "vitalgate-consistency/1"

    public var oldCheckpoint: String
    public var newCheckpoint: String
    public var proof: [[UInt8]]
    public var gatewayPublicKey: [UInt8]
    public var keyChain: [KeyChainLink]

    // Table-like data (duplicates): the public memberwise init (Swift makes only an internal one): one assignment a property, no logic.
    public init(oldCheckpoint: String, newCheckpoint: String, proof: [[UInt8]], gatewayPublicKey: [UInt8], keyChain: [KeyChainLink]) {
        self.oldCheckpoint = oldCheckpoint
        self.newCheckpoint = newCheckpoint
        self.proof = proof
        self.gatewayPublicKey = gatewayPublicKey
        self.keyChain = keyChain
    }

    public var json: JSONValue {
        .object(JSONObject([
            (key: "format", value: .string(Self.format)),
            (key: "old_checkpoint", value: .string(oldCheckpoint)),
            (key: "new_checkpoint", value: .string(newCheckpoint)),
            (key: "proof", value: .array(proof.map { .string(Hex.encode($0)) })),
            (key: "gateway_public_key", value: .string(Hex.encode(gatewayPublicKey))),
            (key: "key_chain", value: .array(keyChain.map(\.json))),
        ]))
    }

    public init(json: JSONValue) throws(ProofBundle.FormatError) {
        guard let root = json.object, root["format"]?.string == Self.format else {
            throw ProofBundle.FormatError("`format` is not \(Self.format)")
        }
        guard let old = root["old_checkpoint"]?.string, let new = root["new_checkpoint"]?.string else {
            throw ProofBundle.FormatError("`old_checkpoint` and `new_checkpoint` must be signed notes")
        }
        guard let path = root["proof"]?.array else { throw ProofBundle.FormatError("`proof` is not an array") }
        var proof: [[UInt8]] = []
        for (i, item) in path.enumerated() {
            guard let bytes = item.string.flatMap(Hex.decode) else { throw ProofBundle.FormatError("`proof[\(i)]` is not hex") }
            proof.append(bytes)
        }
        guard let key = root["gateway_public_key"]?.string.flatMap(Hex.decode) else {
            throw ProofBundle.FormatError("`gateway_public_key` is not hex")
        }
        self.init(oldCheckpoint: old, newCheckpoint: new, proof: proof, gatewayPublicKey: key,
                  keyChain: try KeyChainLink.parse(root["key_chain"]))
    }
}

extension KeyChainLink {
    /// The link as a bundle's `key_chain` holds it.
    public var json: JSONValue {
        .object(JSONObject([
            (key: "statement", value: .string(String(decoding: statement, as: UTF8.self))),
            (key: "signature", value: .string(Hex.encode(signature))),
            (key: "leaf_index", value: .int(leafIndex)),
        ]))
    }

    /// A bundle's `key_chain`; absent is empty.
    static func parse(_ value: JSONValue?) throws(ProofBundle.FormatError) -> [KeyChainLink] {
        guard let value else { return [] }
        guard let array = value.array else { throw ProofBundle.FormatError("`key_chain` is not an array") }
        var links: [KeyChainLink] = []
        for (i, link) in array.enumerated() {
            guard let statement = link["statement"]?.string else { throw ProofBundle.FormatError("`key_chain[\(i)].statement` is not a string") }
            guard let signature = link["signature"]?.string.flatMap(Hex.decode) else {
                throw ProofBundle.FormatError("`key_chain[\(i)].signature` is not hex")
            }
            guard let index = link["leaf_index"]?.int64, index >= 0 else {
                throw ProofBundle.FormatError("`key_chain[\(i)].leaf_index` is not an integer from 0")
            }
            links.append(KeyChainLink(statement: Array(statement.utf8), signature: signature, leafIndex: UInt64(index)))
        }
        return links
    }
}

extension BundleVerifier {
    /// Checks a consistency file on its own: its format, the newer
    /// checkpoint's signature, the key chain (and pins), then the proof.
    public func verify(consistency c: ConsistencyBundle) -> [VerificationStep] {
        var steps: [VerificationStep] = [.pass(.bundle, "\(ConsistencyBundle.format), \(c.proof.count) proof hashes")]
        let parsed: Result<(note: SignedNote, checkpoint: Checkpoint), Error> = Result {
            let note = try SignedNote(parsing: c.newCheckpoint)
            return (note, try Checkpoint(body: note.text))
        }
        switch parsed {
        case .failure(let e):
            steps.append(.fail(.checkpoint, "new_checkpoint is not a valid signed note: \(e)"))
        case .success(let p):
            if c.gatewayPublicKey.count != 32 {
                steps.append(.fail(.checkpoint, "gateway_public_key is not 32 bytes"))
            } else if let error = Result(catching: { try p.note.verify(name: p.checkpoint.origin, publicKey: c.gatewayPublicKey) { ed25519(c.gatewayPublicKey, $0, $1) } }).failure {
                steps.append(.fail(.checkpoint, "new_checkpoint: \(error)"))
            } else {
                steps.append(.pass(.checkpoint, "new checkpoint: origin \(p.checkpoint.origin), size \(p.checkpoint.size)"))
            }
        }
        steps.append(checkKeyChain(c.keyChain, signingKey: c.gatewayPublicKey, origin: (try? parsed.get())?.checkpoint.origin))
        if case .success(let p) = parsed {
            steps.append(checkConsistency(c, newer: p.checkpoint, links: c.keyChain, newSigner: c.gatewayPublicKey))
        } else {
            steps.append(.fail(.consistency, "no newer checkpoint to prove against"))
        }
        return steps
    }

    /// The `consistency` step: `c`'s older checkpoint is signed by a trusted
    /// key of the chain no later than `newSigner`, and its proof shows that
    /// tree to be a prefix of `newer` (RFC 9162 section 2.1.4.2). `c`'s newer
    /// checkpoint must have `newer`'s size and root.
    func checkConsistency(_ c: ConsistencyBundle, newer: Checkpoint, links: [KeyChainLink], newSigner: [UInt8]) -> VerificationStep {
        let old: (note: SignedNote, checkpoint: Checkpoint)
        let claimed: Checkpoint
        do {
            let note = try SignedNote(parsing: c.oldCheckpoint)
            old = (note, try Checkpoint(body: note.text))
            claimed = try Checkpoint(body: try SignedNote(parsing: c.newCheckpoint).text)
        } catch {
            return .fail(.consistency, "a checkpoint of the consistency file does not parse: \(error)")
        }
        guard claimed.origin == newer.origin, claimed.size == newer.size, claimed.rootHash == newer.rootHash else {
            return .fail(.consistency, "the consistency file proves up to size \(claimed.size) root \(Hex.encode(claimed.rootHash)), "
                + "not to this checkpoint (size \(newer.size), root \(Hex.encode(newer.rootHash)))")
        }
        guard old.checkpoint.origin == newer.origin else {
            return .fail(.consistency, "the older checkpoint is for \(old.checkpoint.origin), not \(newer.origin)")
        }
        guard case .success(let chain) = VerifiedKeyChain.walk(links, origin: newer.origin, lastKey: newSigner, ed25519: ed25519),
              let newPosition = chain.keys.firstIndex(of: newSigner) else {
            return .fail(.consistency, "the gateway's key chain does not hold the newer checkpoint's key")
        }
        guard let oldPosition = chain.signer(of: old.note, origin: newer.origin, ed25519: ed25519), oldPosition <= newPosition else {
            return .fail(.consistency, "the older checkpoint is not signed by a key of the gateway's chain up to the newer one's")
        }
        guard chain.trust(of: oldPosition, pins: trustedKeys) != nil else {
            return .fail(.consistency, "the older checkpoint's key comes before every pinned key (--gateway-key)")
        }
        guard let oldRoot = SHA256Digest(bytes: old.checkpoint.rootHash), let newRoot = SHA256Digest(bytes: newer.rootHash) else {
            return .fail(.consistency, "a checkpoint root is not 32 bytes")
        }
        var path: [SHA256Digest] = []
        for (i, bytes) in c.proof.enumerated() {
            guard let d = SHA256Digest(bytes: bytes) else { return .fail(.consistency, "proof[\(i)] is not 32 bytes") }
            path.append(d)
        }
        do {
            try ConsistencyProof.verify(oldSize: old.checkpoint.size, newSize: newer.size, oldRoot: oldRoot, newRoot: newRoot, proof: path)
        } catch {
            return .fail(.consistency, "size \(old.checkpoint.size) → \(newer.size): \(error)")
        }
        return .pass(.consistency, "size \(old.checkpoint.size) (root \(oldRoot.hex)) → \(newer.size), \(path.count) proof hashes (RFC 9162 2.1.4)")
    }
}

extension Result {
    var failure: Failure? { if case .failure(let e) = self { e } else { nil } }
}
