import Bitcoin
import LedgerRPC
import SQLiteStore

extension BitcoinAnchorTarget {
    /// Sends a stored anchor (pending, or one that left the mempool) to the
    /// current endpoint. Accepted: `broadcast`. Inputs unknown to this node
    /// (the coin's transaction came through another node): that transaction
    /// is sent first and the anchor again. Refused for good: `abandoned`,
    /// and a later anchor covers its checkpoint.
    func send(_ anchor: AnchorRecord, _ db: Database, _ rpc: BitcoinRPC, parentSent: Bool = false) throws {
        let anchors = AnchorTable(db)
        do throws(LedgerError) {
            try rpc.sendRawTransaction(anchor.rawTx, expectedTxid: anchor.txid)
        } catch {
            guard let refusal = SendRefusal(error) else { throw error }
            switch refusal {
            case .alreadyInChain:
                // Mined already: `track` finds its block (with -txindex=1). Not an event.
                guard anchor.state == .pending else { return }
            case .inputsMissingOrSpent(let why):
                if !parentSent, let parent = try parentTransaction(of: anchor, db) {
                    let parentTxid = try BitcoinTransaction(parsing: parent).txidHex
                    do throws(LedgerError) { try rpc.sendRawTransaction(parent, expectedTxid: parentTxid) } catch {
                        if SendRefusal(error) == nil { throw error }
                    }
                    return try send(anchor, db, rpc, parentSent: true)
                }
                return try abandon(anchor, db, because: "\(url) refused it: inputs missing or spent (\(why))", inputSpent: true)
            case .rejected(let why):
                refusedAtTip = try? rpc.bestBlockHash()
                return try abandon(anchor, db, because: "\(url) refused it: \(why)", inputSpent: false,
                                   tooLongChain: why.contains("too-long-mempool-chain"))
            }
        }
        if anchor.state == .pending {
            try anchors.transition(anchor, to: .broadcast, block: nil, proof: nil, detail: "accepted by \(url)", at: WallClock.nowMillis())
        } else {
            try anchors.logEvent(anchor.id, from: anchor.state, to: anchor.state, "sent again to \(url): it had left the mempool", at: WallClock.nowMillis())
        }
        logger.info("anchor \(anchor.state == .pending ? "broadcast" : "rebroadcast"): tree size \(anchor.treeSize), txid \(anchor.txid) via \(url)")
    }

    /// The stored transaction that made the anchor's input coin: a split
    /// transaction, or the earlier anchor whose change it spends.
    func parentTransaction(of anchor: AnchorRecord, _ db: Database) throws -> [UInt8]? {
        guard let input = try BitcoinTransaction(parsing: anchor.rawTx).inputs.first else { return nil }
        let outPoint = OutPoint(txid: input.previousTxidHex, vout: input.previousIndex)
        if let raw = try AnchorCoinTable(db).coin(outPoint)?.fundingRaw { return raw }
        return try AnchorTable(db).byTxid(outPoint.txid)?.rawTx
    }

    /// Gives up on an anchor no node will take. Its change coin is dropped;
    /// its input goes back to the pool unless something else spent it.
    func abandon(_ anchor: AnchorRecord, _ db: Database, because why: String, inputSpent: Bool, tooLongChain: Bool = false) throws {
        let coins = AnchorCoinTable(db)
        let tx = try BitcoinTransaction(parsing: anchor.rawTx)
        try db.transaction(.immediate) {
            try AnchorTable(db).transition(anchor, to: .abandoned, block: nil, proof: nil,
                                           detail: why + "; the next anchor covers its checkpoint", at: WallClock.nowMillis())
            let change = OutPoint(txid: anchor.txid, vout: 1)
            if let coin = try coins.coin(change) {
                if coin.state == .unspent { try coins.delete(change) } else { try coins.setState(change, .retired) }
            }
            if let input = tx.inputs.first {
                let outPoint = OutPoint(txid: input.previousTxidHex, vout: input.previousIndex)
                try coins.setState(outPoint, inputSpent ? .retired : .unspent)
                if tooLongChain { try coins.setChain(outPoint, Self.maximumChain) }
            }
        }
        logger.warning("anchor abandoned: tree size \(anchor.treeSize), txid \(anchor.txid): \(why)")
    }
}
