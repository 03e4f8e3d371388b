import Bitcoin
import JSON
import SignedNote

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
