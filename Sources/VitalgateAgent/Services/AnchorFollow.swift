import Bitcoin
import LedgerRPC
import SQLiteStore

extension AnchorService {
    /// Creates an anchor for the newest checkpoint if it is newer than every
    /// anchor, and no earlier anchor is still waiting for its first block
    /// (so the wallet never builds a long unconfirmed chain).
    func anchorNewest(_ db: Database, rpc: BitcoinRPC) throws {
        let anchors = AnchorTable(db)
        guard let checkpoint = try CheckpointTable(db).latest(),
              checkpoint.treeSize > (try anchors.largestAnchoredSize()) else { return }
        let inFlight = try anchors.unconfirmed().filter { $0.blockHash == nil }
        guard inFlight.count < 10 else {
            logger.notice("anchoring: \(inFlight.count) anchors still unmined; waiting for a block")
            return
        }
        let payload = AnchorPayload(treeSize: checkpoint.treeSize, rootHash: checkpoint.root,
                                    gatewayPublicKey: identity.publicKey.bytes).bytes
        let (txid, raw) = try AnchorTransaction.build(payload: payload, feeRate: config.feeRate, rpc: rpc)
        let now = Clock.nowMillis()
        let id = try anchors.insertSigned(treeSize: checkpoint.treeSize, payload: payload, txid: txid, rawTx: raw,
                                          endpoint: currentURL, at: now)
        try AnchorTransaction.broadcast(txid: txid, rawTx: raw, rpc: rpc)
        try anchors.markBroadcast(id: id, at: Clock.nowMillis())
        logger.info("anchor broadcast: tree size \(checkpoint.treeSize), txid \(txid)")
    }

    /// Brings every unconfirmed anchor (and the newest confirmed ones, in
    /// case of a reorg) up to date with the node.
    func follow(_ db: Database, rpc: BitcoinRPC) throws {
        let anchors = AnchorTable(db)
        for anchor in try anchors.unconfirmed() {
            if anchor.state == .signed {
                try AnchorTransaction.broadcast(txid: anchor.txid, rawTx: anchor.rawTx, rpc: rpc)
                try anchors.markBroadcast(id: anchor.id, at: Clock.nowMillis())
                logger.info("anchor rebroadcast after restart: txid \(anchor.txid)")
            }
            try refresh(anchor, anchors: anchors, rpc: rpc)
        }
        for anchor in try anchors.confirmed().suffix(3) {
            guard let hash = anchor.blockHash else { continue }
            let header = try rpc.blockHeader(hash)
            if header.confirmations < 0 {
                logger.warning("anchor txid \(anchor.txid): block \(hash) left the active chain; following it again")
                try refresh(anchor, anchors: anchors, rpc: rpc)
            }
        }
    }

    /// Records the depth the node reports; once deep enough, stores the
    /// txout proof for that block (asked with its hash: without one the node
    /// can answer with a stale proof after a reorg).
    func refresh(_ anchor: AnchorRecord, anchors: AnchorTable, rpc: BitcoinRPC) throws {
        let status = try rpc.transactionStatus(anchor.txid)
        let now = Clock.nowMillis()
        guard let blockHash = status.blockHash, status.confirmations > 0 else {
            if anchor.blockHash != nil || anchor.state == .confirmed {
                try anchors.updateDepth(id: anchor.id, state: .broadcast, blockHash: nil, blockHeight: nil,
                                        confirmations: 0, txoutProof: nil, at: now)
            }
            return
        }
        let header = try rpc.blockHeader(blockHash)
        let deep = status.confirmations >= Int64(config.confirmations)
        var proof: [UInt8]? = nil
        if deep {
            let bytes = try rpc.txOutProof(anchor.txid, blockHash: blockHash)
            let block = try MerkleBlock(parsing: bytes)
            guard block.header.hashHex == blockHash,
                  try block.verifiedMatches().contains(where: { $0 == (try? BitcoinTransaction(parsing: anchor.rawTx))?.txid }) else {
                throw LedgerError.badResponse("txout proof for \(anchor.txid) does not prove it in block \(blockHash)")
            }
            proof = bytes
        }
        let state: AnchorState = deep ? .confirmed : .broadcast
        if state != anchor.state || anchor.confirmations != status.confirmations || anchor.blockHash != blockHash {
            try anchors.updateDepth(id: anchor.id, state: state, blockHash: blockHash, blockHeight: header.height,
                                    confirmations: status.confirmations, txoutProof: proof,
                                    at: now)
            if deep && anchor.state != .confirmed {
                logger.info("anchor confirmed: tree size \(anchor.treeSize), txid \(anchor.txid), block \(header.height) (\(status.confirmations) confirmations)")
            }
        }
    }
}
