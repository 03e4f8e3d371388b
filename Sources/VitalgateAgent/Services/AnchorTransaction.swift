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
        let now = ContinuousClock.now
        if cachedEstimate == nil || now - cachedEstimate!.at > .seconds(600) {
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

/// The agent's own coins on each endpoint. An anchor spends one coin and
/// pays its change back to the same address: a new coin one transaction
/// deeper in an unconfirmed chain. Several coins side by side let anchors go
/// on between blocks without any chain growing near the node's limit
/// (-limitancestorcount=25: measured, the 26th unconfirmed transaction in a
/// chain is refused with -26 too-long-mempool-chain).
extension BitcoinAnchorTarget {
    /// Coins kept per endpoint.
    static let poolSize = 8
    /// The longest unconfirmed chain an anchor may make (its ancestors, or
    /// the descendants of any ancestor, itself included): about half the
    /// node's 25, so a relaying peer with the same limits and a few wallet
    /// transactions in the chain never refuse it. Until the split
    /// transaction confirms, all coins share it and together allow about
    /// 11 anchors; after, each coin allows 11 (88 between two blocks).
    static let maximumChain = 12
    /// A new coin holds at most this (0.01 coin): enough for thousands of
    /// anchors at 1 sat/vB, little to lose if the gateway's wallet is stolen.
    static let coinValueCap: Int64 = 1_000_000
    /// A coin worth less than this is not made.
    static let coinValueFloor: Int64 = 20_000
    /// Change below this is not made (P2WPKH dust is 294 sat at the default 3 sat/vB dust relay fee).
    static let minimumChange: Int64 = 1_000

    /// Unspent coins of the current endpoint that can pay `fee`, topped up
    /// to `poolSize` with one wallet-funded split transaction when short.
    func usableCoins(_ db: Database, _ rpc: BitcoinRPC, fee: Int64, feeRate: FeeRate) throws -> [AnchorCoin] {
        let table = AnchorCoinTable(db)
        var usable: [AnchorCoin] = []
        for coin in try table.unspent(endpoint: url) {
            if coin.value - fee >= Self.minimumChange { usable.append(coin) } else { try table.setState(coin.outPoint, .retired) }
        }
        if usable.count < Self.poolSize {
            try split(count: Self.poolSize - usable.count, keeping: usable, db, rpc, feeRate: feeRate)
            usable = try table.unspent(endpoint: url).filter { $0.value - fee >= Self.minimumChange }
        }
        return usable
    }

    /// The coin to spend next: a confirmed one if any, else the first whose
    /// unconfirmed chain load (`mempoolChainLoad`, asked again now) leaves
    /// room below `maximumChain` for one more transaction.
    func pickCoin(_ coins: [AnchorCoin], _ db: Database, _ rpc: BitcoinRPC) throws -> AnchorCoin? {
        if let settled = coins.first(where: { $0.chain == 0 }) { return settled }
        let table = AnchorCoinTable(db)
        for coin in coins {
            let load: Int
            if let inMempool = try rpc.mempoolChainLoad(coin.outPoint.txid) {
                load = inMempool
            } else if case .block = try rpc.sighting(of: coin.outPoint.txid) {
                load = 0
            } else {
                continue                     // its transaction is on no node yet: follow sends it first
            }
            if load != coin.chain { try table.setChain(coin.outPoint, load) }
            if load + 1 <= Self.maximumChain {
                return AnchorCoin(endpoint: coin.endpoint, outPoint: coin.outPoint, value: coin.value, address: coin.address,
                                  state: coin.state, chain: load, fundingRaw: coin.fundingRaw)
            }
        }
        return nil
    }

    /// Makes `count` new coins with one transaction the wallet funds
    /// (fundrawtransaction: slow in a large wallet, but once per `count`
    /// coins). The agent's coins are locked first so the wallet does not
    /// spend them. Each gets an equal share of half the rest of the
    /// wallet's trusted balance, at most `coinValueCap`.
    func split(count: Int, keeping: [AnchorCoin], _ db: Database, _ rpc: BitcoinRPC, feeRate: FeeRate) throws {
        let table = AnchorCoinTable(db)
        // Reconcile first (rare, so listunspent's cost in a large wallet is
        // paid seldom): a coin the wallet no longer has was spent elsewhere
        // or lost with blocks a crashed node never stored.
        let walletHas = Set(try rpc.unspentCoins().map(\.outPoint))
        var ours: [AnchorCoin] = []
        for coin in try table.unspent(endpoint: url) {
            if walletHas.contains(coin.outPoint) { ours.append(coin); continue }
            try table.setState(coin.outPoint, .retired)
            logger.warning("ledger \(url): anchor coin \(coin.outPoint) is not in the wallet any more; retired")
        }
        try rpc.lockCoins(ours.map(\.outPoint))
        let free = try rpc.trustedBalance() - ours.reduce(0) { $0 + $1.value }
        let each = min(Self.coinValueCap, free / Int64(2 * count))
        guard each >= Self.coinValueFloor else {
            throw AnchorFundsError(url: url, wallet: endpoint.wallet, available: free, needed: Self.coinValueFloor * Int64(2 * count))
        }
        var addresses: [String] = []
        for _ in 0..<count { addresses.append(try rpc.newSegwitAddress(label: "vitalgate-anchor")) }
        let hex = try rpc.createRawTransaction(inputs: [], data: nil, payTo: addresses.map { ($0, each) })
        let tx = try rpc.fundAndSign(hex, feeRate: feeRate, changePosition: count)
        try rpc.sendRawTransaction(tx.bytes, expectedTxid: tx.txidHex)
        let chain = try rpc.mempoolChainLoad(tx.txidHex) ?? 0
        let now = WallClock.nowMillis()
        try db.transaction(.immediate) {
            for (vout, address) in addresses.enumerated() {
                try table.insert(endpoint: url, outPoint: OutPoint(txid: tx.txidHex, vout: UInt32(vout)), value: each,
                                 address: address, chain: chain, fundingRaw: tx.bytes, at: now)
            }
        }
        logger.info("ledger \(url): made \(count) anchor coins of \(each) sat each (tx \(tx.txidHex), \(chain) unconfirmed in its chain)")
    }
}

/// The endpoint's wallet has too little left to make anchor coins.
struct AnchorFundsError: Error, CustomStringConvertible {
    let url: String
    let wallet: String?
    let available: Int64
    let needed: Int64
    var description: String {
        "ledger \(url): wallet \(wallet ?? "(default)") has \(available) sat free for anchor coins, \(needed) sat are needed: send coins to an address of that wallet (getnewaddress)"
    }
    /// For `status`: what is wrong and what to do, without the numbers' bookkeeping.
    var plainWords: String {
        (available <= 0 ? "wallet \(wallet ?? "(default)") has no spendable coins" : "wallet \(wallet ?? "(default)") has only \(available) sat free")
            + ", \(needed) sat needed: send coins to an address of that wallet on \(url) (getnewaddress)"
    }
}
