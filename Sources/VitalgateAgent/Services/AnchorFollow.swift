import Bitcoin
import LedgerRPC
import SQLiteStore

extension BitcoinAnchorTarget {
    /// Blocks below the tip within which a final anchor is checked for a
    /// reorg. Deeper reorgs have not happened on Bitcoin or Litecoin since
    /// their early years; an anchor's depth requirement is far smaller.
    static let reorgHorizon: Int64 = 100

    func follow(db: Database, requiredDepth: Int) throws {
        let rpc = try client()
        try scanForReorg(db, rpc)
        for anchor in try AnchorTable(db).live() where anchor.target == name {
            try track(anchor, db, rpc, requiredDepth: requiredDepth)
        }
    }

    /// When the tip changed: every final anchor near it whose block is no
    /// longer in the active chain goes back to `broadcast` (its proof is
    /// dropped; `track` finds where the transaction is now).
    func scanForReorg(_ db: Database, _ rpc: BitcoinRPC) throws {
        let tip = try rpc.bestBlockHash()
        guard scannedTip[index] != tip else { return }
        let height = try rpc.blockHeader(tip).height
        tipHeight = height
        let anchors = AnchorTable(db)
        for anchor in try anchors.final(fromHeight: height - Self.reorgHorizon) where anchor.target == name {
            guard let hash = anchor.blockHash, try !blockIsActive(hash, rpc) else { continue }
            try anchors.transition(anchor, to: .broadcast, block: nil, proof: nil,
                                   detail: "block \(hash) at height \(anchor.blockHeight ?? -1) left the active chain (seen by \(url))",
                                   at: Clock.nowMillis())
            logger.warning("anchor txid \(anchor.txid): block \(hash) left the active chain; following the transaction again")
        }
        scannedTip[index] = tip
    }

    /// True when this node has `hash` in its active chain (getblockheader
    /// says -1 confirmations for a block a reorg left; -5 for one it never had).
    func blockIsActive(_ hash: String, _ rpc: BitcoinRPC) throws -> Bool {
        // A `catch .rpc(...) where …` clause here trips the SIL verifier of
        // assertion-enabled compilers (Debian's swiftlang): match inside the catch.
        do {
            return try rpc.blockHeader(hash).confirmations > 0
        } catch {
            if case .rpc(let code, _) = error, code == -5 { return false }
            throw error
        }
    }

    /// One live anchor: send it if pending; then where is it now?
    func track(_ anchor: AnchorRecord, _ db: Database, _ rpc: BitcoinRPC, requiredDepth: Int) throws {
        let anchors = AnchorTable(db)
        var anchor = anchor
        if anchor.state == .pending {
            try send(anchor, db, rpc)
            guard let now = try anchors.byTxid(anchor.txid), now.state != .abandoned else { return }
            anchor = now
        }
        let now = Clock.nowMillis()
        switch try rpc.sighting(of: anchor.txid) {
        case .mempool:
            if anchor.state != .broadcast {
                try anchors.transition(anchor, to: .broadcast, block: nil, proof: nil,
                                       detail: "back in the mempool of \(url): block \(anchor.blockHash ?? "?") left the active chain", at: now)
            }
        case .unknown:
            if anchor.state != .broadcast {
                try anchors.transition(anchor, to: .broadcast, block: nil, proof: nil,
                                       detail: "block \(anchor.blockHash ?? "?") left the active chain and \(url) does not have it", at: now)
                anchor = try anchors.byTxid(anchor.txid) ?? anchor
            }
            try send(anchor, db, rpc)
        case .block(let hash, let height, let confirmations):
            let block = AnchorBlock(hash: hash, height: height, confirmations: confirmations)
            if anchor.state == .broadcast || anchor.blockHash != hash {
                try AnchorCoinTable(db).setChain(OutPoint(txid: anchor.txid, vout: 1), 0)
            }
            if confirmations >= Int64(requiredDepth) {
                let proof = try provenProof(anchor, block: hash, rpc)
                try anchors.transition(anchor, to: .final, block: block, proof: proof,
                                       detail: "\(confirmations) confirmations in block \(hash) at height \(height), txout proof stored", at: now)
                logger.info("anchor final: tree size \(anchor.treeSize), txid \(anchor.txid), block \(height) (\(confirmations) confirmations)")
            } else if anchor.state != .confirmed || anchor.confirmations != confirmations || anchor.blockHash != hash {
                try anchors.transition(anchor, to: .confirmed, block: block, proof: nil,
                                       detail: "in block \(hash) at height \(height)", at: now)
            }
        }
    }

    /// `gettxoutproof [txid] blockhash`, named block required (without it a
    /// node can answer with a proof for a block a reorg replaced), checked:
    /// its header hashes to that block and it proves the anchor's txid.
    func provenProof(_ anchor: AnchorRecord, block hash: String, _ rpc: BitcoinRPC) throws -> [UInt8] {
        let bytes = try rpc.txOutProof(anchor.txid, blockHash: hash)
        let block = try MerkleBlock(parsing: bytes)
        let txid = try BitcoinTransaction(parsing: anchor.rawTx).txid
        guard block.header.hashHex == hash, try block.verifiedMatches().contains(txid) else {
            throw LedgerError.badResponse("txout proof from \(url) does not prove \(anchor.txid) in block \(hash)")
        }
        return bytes
    }
}
