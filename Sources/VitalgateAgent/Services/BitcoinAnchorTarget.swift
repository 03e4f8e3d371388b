import Bitcoin
import LedgerRPC
import Logging
import SQLiteStore

/// Anchors on a Bitcoin-family chain through one or more JSON-RPC endpoints
/// of the same network, used one at a time: the agent stays on an endpoint
/// until it fails, then moves to the next (docs/anchoring.md, "Several nodes").
///
/// Each endpoint's wallet pays for the anchors sent through it: the agent
/// keeps its coins per endpoint (`anchor_coins.endpoint`). Any endpoint
/// follows any anchor, since nodes of one network share blocks and relay
/// transactions; they must run with -txindex=1 to find an anchor another
/// node's wallet paid for once it is mined.
///
/// Used from the anchor thread only.
final class BitcoinAnchorTarget: AnchorTarget {
    let name: String
    let endpoints: [LedgerEndpoint]
    let fees: FeePolicy
    let logger: Logger
    private(set) var index = 0
    /// Endpoints whose wallet is loaded since their last failure.
    private var prepared = Set<Int>()
    /// The tip each endpoint had at the last reorg scan.
    var scannedTip: [Int: String] = [:]
    var cachedEstimate: (rate: FeeRate?, at: ContinuousClock.Instant)?
    /// The tip when a node last refused an anchor by policy: no new anchor
    /// until the next block, so a refusal is not repeated once per interval.
    var refusedAtTip: String?
    /// The current endpoint's best block height at the last reorg scan.
    var tipHeight: Int64?

    init(name: String = "ledger", endpoints: [LedgerEndpoint], fees: FeePolicy, logger: Logger) {
        precondition(!endpoints.isEmpty, "a ledger target needs at least one endpoint")
        self.name = name
        self.endpoints = endpoints
        self.fees = fees
        self.logger = logger
    }

    var endpoint: LedgerEndpoint { endpoints[index] }
    var url: String { endpoint.url }
    var reachability: String { url }

    /// A client for the current endpoint with its wallet loaded (a node loads
    /// no wallet after a restart unless it is named in its config).
    func client() throws -> BitcoinRPC {
        let rpc = BitcoinRPC(endpoint: endpoint)
        if !prepared.contains(index) {
            if let wallet = endpoint.wallet { try rpc.ensureWallet(wallet) }
            prepared.insert(index)
            logger.info("ledger \(url): ready (wallet \(endpoint.wallet ?? "default"))")
        }
        return rpc
    }

    /// After a failed call: the wallet is loaded again next time (the node
    /// may have restarted), and when the endpoint itself is out of reach the
    /// next one takes over.
    @discardableResult
    func noteFailure(_ error: LedgerError) -> LedgerFailure {
        let failed = url
        let down = error.nodeIsDown
        prepared.remove(index)
        scannedTip[index] = nil
        let switched = endpoints.count > 1 && down
        // The anchor service says what happened, once per outage (not per switch).
        if switched { index = (index + 1) % endpoints.count }
        return LedgerFailure(endpoint: failed, endpointDown: down, switched: switched, endpointCount: endpoints.count)
    }
}

/// Fee rate rules: the configured rate (or the node's 6-block estimate, or
/// the floor when it has none), held within [floor, cap].
struct FeePolicy {
    let configured: FeeRate?
    let floor: FeeRate
    let cap: FeeRate
}

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
                                   at: WallClock.nowMillis())
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
            if case .rpc(let code, _) = error, code == RPCErrorCode.invalidAddressOrKey { return false }
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
        let now = WallClock.nowMillis()
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
