import Bitcoin
import Codecs
import JSON
import Merkle
import SHA2
import SignedNote
import Vitals

/// Checks a proof bundle step by step (docs/proof-bundle.md). Every step runs
/// and reports; the bundle is valid only if all pass.
public struct BundleVerifier {
    /// Ed25519 verification (public key, message, signature), from the Sodium adapter.
    public typealias Ed25519Verify = ([UInt8], [UInt8], [UInt8]) -> Bool

    let ed25519: Ed25519Verify
    let trustedKeys: [[UInt8]]?
    let ledger: (any LedgerView)?
    let consistency: ConsistencyBundle?

    /// - Parameters:
    ///   - trustedKeys: pinned gateway keys (e.g. the provisioned one). If
    ///     given, the bundle's key must be one of them or follow one of them
    ///     in the bundle's key chain; if not, the chain's first key is trusted.
    ///   - ledger: if given, the anchor's block is checked against this node's active chain.
    ///   - consistency: an older checkpoint of the same gateway with its
    ///     consistency proof to the bundle's checkpoint: the log only grew.
    public init(ed25519: @escaping Ed25519Verify, trustedKeys: [[UInt8]]? = nil, ledger: (any LedgerView)? = nil,
                consistency: ConsistencyBundle? = nil) {
        self.ed25519 = ed25519
        self.trustedKeys = trustedKeys
        self.ledger = ledger
        self.consistency = consistency
    }

    public func verify(json: JSONValue) -> [VerificationStep] {
        do {
            return verify(try ProofBundle(json: json))
        } catch {
            return [.fail(.bundle, "\(error)")]
        }
    }

    public func verify(_ b: ProofBundle) -> [VerificationStep] {
        var steps: [VerificationStep] = [.pass(.bundle, "every field present, leaf version \(b.leafVersion)")]
        steps.append(checkReading(b))
        let parsed = parseCheckpoint(b)
        steps.append(checkInclusion(b, parsed))
        steps.append(checkSignature(b, parsed))
        steps.append(checkKeyChain(b, parsed))
        steps.append(contentsOf: checkAnchor(b, parsed))
        if let consistency {
            if case .success(let p) = parsed {
                steps.append(checkConsistency(consistency, newer: p.checkpoint, links: b.keyChain, newSigner: b.gatewayPublicKey))
            } else {
                steps.append(.fail(.consistency, "the bundle's checkpoint does not parse"))
            }
        }
        if let ledger { steps.append(checkLedger(b, ledger)) }
        return steps
    }

    func checkReading(_ b: ProofBundle) -> VerificationStep {
        guard case .reading = b.entry else { return checkEvent(b) }
        let encoded = (b.salt.map { ReadingLeaf(reading: b.reading, salt: $0) } ?? ReadingLeaf(version1: b.reading)).bytes
        guard encoded == b.leaf else {
            return .fail(.reading, "the leaf is not the canonical encoding of the reading\(b.salt == nil ? "" : " and its salt") (docs/encoding.md)")
        }
        let kind = b.salt == nil ? "leaf version 1 (unsalted)" : "leaf version 2 (salted)"
        return .pass(.reading, "\(b.reading.device) seq \(b.reading.seq), \(b.leaf.count) bytes, \(kind)")
    }

    /// An access event's leaf (docs/encoding.md, "Access event leaves"):
    /// always salted; the event with the salt encodes to the leaf byte for byte.
    func checkEvent(_ b: ProofBundle) -> VerificationStep {
        guard case .event(let event) = b.entry else { return checkReading(b) }
        guard let salt = b.salt else { return .fail(.event, "an access event's leaf is salted: the bundle has no `salt`") }
        guard event.leafBytes(salt: salt) == b.leaf else {
            return .fail(.event, "the leaf is not the canonical encoding of the event and its salt (docs/encoding.md)")
        }
        if case .success(let p) = parseCheckpoint(b), p.checkpoint.origin != "vitalgate/\(event.gateway)" {
            return .fail(.event, "the event is gateway \(event.gateway)'s, the checkpoint's origin is \(p.checkpoint.origin)")
        }
        return .pass(.event, "\(event.type) #\(event.number) of gateway \(event.gateway), \(b.leaf.count) bytes, salted")
    }

    func parseCheckpoint(_ b: ProofBundle) -> Result<(note: SignedNote, checkpoint: Checkpoint), Error> {
        Result {
            let note = try SignedNote(parsing: b.checkpoint)
            return (note, try Checkpoint(body: note.text))
        }
    }

    func checkInclusion(_ b: ProofBundle, _ parsed: Result<(note: SignedNote, checkpoint: Checkpoint), Error>) -> VerificationStep {
        guard case .success(let (_, checkpoint)) = parsed else {
            return .fail(.inclusion, "the checkpoint does not parse")
        }
        guard checkpoint.size == b.treeSize else {
            return .fail(.inclusion, "tree_size \(b.treeSize) differs from the checkpoint's size \(checkpoint.size)")
        }
        guard let root = SHA256Digest(bytes: checkpoint.rootHash) else { return .fail(.inclusion, "checkpoint root is not 32 bytes") }
        var path: [SHA256Digest] = []
        for (i, bytes) in b.inclusion.enumerated() {
            guard let d = SHA256Digest(bytes: bytes) else { return .fail(.inclusion, "inclusion[\(i)] is not 32 bytes") }
            path.append(d)
        }
        do {
            try InclusionProof.verify(index: b.leafIndex, size: b.treeSize, leafHash: RFC9162.hashLeaf(b.leaf), proof: path, root: root)
        } catch {
            return .fail(.inclusion, "\(error)")
        }
        return .pass(.inclusion, "leaf \(b.leafIndex) of \(b.treeSize), \(path.count) hashes, root \(root.hex)")
    }

    func checkSignature(_ b: ProofBundle, _ parsed: Result<(note: SignedNote, checkpoint: Checkpoint), Error>) -> VerificationStep {
        let note: SignedNote, checkpoint: Checkpoint
        switch parsed {
        case .success(let p): (note, checkpoint) = (p.note, p.checkpoint)
        case .failure(let e): return .fail(.checkpoint, "the checkpoint is not a valid signed note: \(e)")
        }
        guard b.gatewayPublicKey.count == 32 else { return .fail(.checkpoint, "gateway_public_key is not 32 bytes") }
        do {
            try note.verify(name: checkpoint.origin, publicKey: b.gatewayPublicKey) { ed25519(b.gatewayPublicKey, $0, $1) }
        } catch {
            return .fail(.checkpoint, "\(error)")
        }
        return .pass(.checkpoint, "origin \(checkpoint.origin), key \(Ed25519NoteKey.verifierKey(name: checkpoint.origin, publicKey: b.gatewayPublicKey))")
    }
}

extension BundleVerifier {
    func checkAnchor(_ b: ProofBundle, _ parsed: Result<(note: SignedNote, checkpoint: Checkpoint), Error>) -> [VerificationStep] {
        let tx: BitcoinTransaction
        do { tx = try BitcoinTransaction(parsing: b.anchor.rawTx) } catch {
            return [.fail(.anchorTransaction, "raw_tx does not parse: \(error)"), .fail(.txoutProof, "no transaction to look for")]
        }
        return [checkTransaction(b, tx, parsed), checkTxoutProof(b, tx)]
    }

    func checkTransaction(_ b: ProofBundle, _ tx: BitcoinTransaction,
                          _ parsed: Result<(note: SignedNote, checkpoint: Checkpoint), Error>) -> VerificationStep {
        guard !tx.hasWitness else {
            // With witness data some bytes would not be covered by the txid.
            return .fail(.anchorTransaction, "raw_tx must be serialized without witness data")
        }
        let txid = tx.txidHex  // computed (hashed) on each access: once here
        guard txid == b.anchor.txid else {
            return .fail(.anchorTransaction, "double SHA-256 of raw_tx is \(txid), not txid \(b.anchor.txid)")
        }
        guard case .success(let (_, checkpoint)) = parsed else {
            return .fail(.anchorTransaction, "the checkpoint does not parse")
        }
        let expected = AnchorPayload(treeSize: checkpoint.size, rootHash: checkpoint.rootHash, gatewayPublicKey: b.gatewayPublicKey)
        let payloads = tx.opReturnPayloads
        guard payloads.contains(expected.bytes) else {
            let found = payloads.compactMap { try? AnchorPayload(parsing: $0) }.first
            let why = found.map { "its OP_RETURN carries tree size \($0.treeSize), root \(Hex.encode($0.rootHash)), key \(Hex.encode($0.keyFingerprint))" }
                ?? "it has no VGT1 OP_RETURN output"
            return .fail(.anchorTransaction, "the transaction does not commit to this checkpoint: \(why)")
        }
        return .pass(.anchorTransaction, "txid \(b.anchor.txid) carries VGT1 size \(checkpoint.size)")
    }

    func checkTxoutProof(_ b: ProofBundle, _ tx: BitcoinTransaction) -> VerificationStep {
        do {
            let block = try MerkleBlock(parsing: b.anchor.txoutProof)
            let blockHash = block.header.hashHex
            guard blockHash == b.anchor.blockHash else {
                return .fail(.txoutProof, "the proof's header hashes to \(blockHash), not block_hash \(b.anchor.blockHash)")
            }
            guard try block.verifiedMatches().contains(tx.txid) else {
                return .fail(.txoutProof, "the proof does not include txid \(tx.txidHex)")
            }
            return .pass(.txoutProof, "block \(b.anchor.blockHash)")
        } catch {
            return .fail(.txoutProof, "\(error)")
        }
    }

    func checkLedger(_ b: ProofBundle, _ ledger: any LedgerView) -> VerificationStep {
        do {
            guard let block = try ledger.block(hash: b.anchor.blockHash) else {
                return .fail(.ledger, "the ledger node does not know block \(b.anchor.blockHash)")
            }
            guard block.confirmations >= 0 else {
                return .fail(.ledger, "block \(b.anchor.blockHash) is not in the node's active chain")
            }
            guard block.height == b.anchor.blockHeight else {
                return .fail(.ledger, "the node has the block at height \(block.height), the bundle says \(b.anchor.blockHeight)")
            }
            let required = max(1, b.anchor.confirmations)
            guard block.confirmations >= required else {
                return .fail(.ledger, "\(block.confirmations) confirmations, the bundle recorded \(required)")
            }
            return .pass(.ledger, "height \(block.height), \(block.confirmations) confirmations (at least \(required) required)")
        } catch {
            return .unchecked(.ledger, "no ledger node could be asked: \(error)")
        }
    }
}
