import Bitcoin
import LedgerRPC
import SQLiteStore

/// One anchor transaction: the agent's coin as the only input, the 52-byte
/// VGT1 payload as an OP_RETURN first output, the change back to the coin's
/// address. The wallet only signs: no coin selection, so building costs
/// milliseconds whatever the wallet's size (measured: 1-2 ms, against ~220 ms
/// for fundrawtransaction in a wallet of ~800 coins).
public enum AnchorTransaction {
    /// The fee for one anchor at `rate`, from the size bound (signatures are
    /// at most 72 bytes), so it is fixed before signing.
    public static func fee(at rate: FeeRate) -> Int64 { rate.fee(virtualBytes: AnchorTransactionSize.virtualBytes()) }

    /// createrawtransaction with the coin as input → signrawtransactionwithwallet,
    /// then checks what was signed: exactly the payload, the one input, the change.
    static func build(payload: [UInt8], coin: AnchorCoin, fee: Int64, rpc: BitcoinRPC) throws -> BitcoinTransaction {
        try build(payload: payload, spending: coin.outPoint, value: coin.value, address: coin.address, fee: fee, rpc: rpc)
    }

    /// The same for any coin of the wallet: the anchor benchmark (VitalgateDev) times exactly the agent's path.
    public static func build(payload: [UInt8], spending outPoint: OutPoint, value: Int64, address: String, fee: Int64,
                             rpc: BitcoinRPC) throws -> BitcoinTransaction {
        let change = value - fee
        let hex = try rpc.createRawTransaction(inputs: [outPoint], data: payload, payTo: [(address, change)])
        let tx = try rpc.signWithWallet(hex)
        guard tx.opReturnPayloads == [payload], tx.inputs.count == 1, tx.outputs.count == 2, tx.outputs[1].value == change else {
            throw LedgerError.badResponse("the signed anchor transaction is not the one built (payload, input or change differ)")
        }
        guard tx.virtualSize <= AnchorTransactionSize.virtualBytes() else {
            throw LedgerError.badResponse("the signed anchor is \(tx.virtualSize) vB, above the \(AnchorTransactionSize.virtualBytes()) vB its fee was set for: is the coin not P2WPKH?")
        }
        return tx
    }
}

extension BitcoinAnchorTarget {
    /// The fee rate now: configured, else the node's estimate for 6 blocks
    /// (asked at most every 10 minutes), else the floor; within [floor, cap].
    func feeRate(_ rpc: BitcoinRPC) throws -> FeeRate {
        if let configured = fees.configured { return configured.clamped(floor: fees.floor, cap: fees.cap) }
        let now = Monotonic.seconds()
        if cachedEstimate == nil || now - cachedEstimate!.at > 600 {
            cachedEstimate = (try rpc.estimatedFeeRate(blocks: 6).map { FeeRate(coinsPerKvB: $0) }, now)
        }
        return (cachedEstimate?.rate ?? fees.floor).clamped(floor: fees.floor, cap: fees.cap)
    }

    func anchor(treeSize: UInt64, payload: [UInt8], db: Database) throws -> AnchorAttempt {
        let rpc = try client()
        if let refusedAtTip, try rpc.bestBlockHash() == refusedAtTip {
            return .deferred("\(url) refused the last anchor; waiting for the next block")
        }
        let rate = try feeRate(rpc)
        let fee = AnchorTransaction.fee(at: rate)
        let coins = try usableCoins(db, rpc, fee: fee, feeRate: rate)
        guard let coin = try pickCoin(coins, db, rpc) else {
            return .deferred("all \(coins.count) anchor coins on \(url) are \(Self.maximumChain) or more transactions deep in unconfirmed chains; waiting for a block")
        }
        let tx = try AnchorTransaction.build(payload: payload, coin: coin, fee: fee, rpc: rpc)
        let now = WallClock.nowMillis()
        let anchors = AnchorTable(db), coinTable = AnchorCoinTable(db)
        // The signed bytes are stored before they leave: after a crash the
        // same transaction is sent again instead of a second one paid for.
        let id = try db.transaction(.immediate) {
            let id = try anchors.insertPending(target: name, treeSize: treeSize, payload: payload, txid: tx.txidHex, rawTx: tx.bytes,
                                               endpoint: url, inputTxid: coin.outPoint.txid, inputVout: coin.outPoint.vout, fee: fee, at: now)
            try coinTable.markSpent(coin.outPoint, by: id)
            try coinTable.insert(endpoint: url, outPoint: OutPoint(txid: tx.txidHex, vout: 1), value: coin.value - fee,
                                 address: coin.address, chain: coin.chain + 1, fundingRaw: nil, at: now)
            return id
        }
        guard let record = try anchors.byTxid(tx.txidHex), record.id == id else { throw StoreError("anchor \(tx.txidHex) vanished") }
        logger.info("anchor signed: tree size \(treeSize), txid \(tx.txidHex), fee \(fee) sat at \(rate), coin chain \(coin.chain)")
        try send(record, db, rpc)
        return .sent(txid: tx.txidHex)
    }
}
