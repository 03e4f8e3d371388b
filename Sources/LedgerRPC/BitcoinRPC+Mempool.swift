import JSON

/// Where the node sees a transaction.
public enum TransactionSighting: Sendable, Equatable {
    /// In the mempool, with its unconfirmed ancestors (itself included), the
    /// count the node limits to 25 (-limitancestorcount).
    case mempool(ancestors: Int)
    /// In a block of the active chain.
    case block(hash: String, height: Int64, confirmations: Int64)
    /// Neither: never seen, evicted, or its block left the active chain and
    /// it did not come back to the mempool.
    case unknown
}

extension BitcoinRPC {
    /// `getmempoolentry txid`: its ancestor count, or nil when not in the mempool (-5).
    public func mempoolAncestors(_ txid: String) throws(LedgerError) -> Int? {
        do {
            let entry = try call("getmempoolentry", [.string(txid)])
            return Int(try entry.requiredInt64("ancestorcount", in: "getmempoolentry"))
        } catch .rpc(let code, _) where code == RPCErrorCode.invalidAddressOrKey {
            return nil
        }
    }

    /// Where `txid` is, asked without the wallet so it works for a
    /// transaction another node's wallet paid for: the mempool first, then
    /// `getrawtransaction txid true` (needs -txindex=1 for a mined
    /// transaction), then this endpoint's wallet (`gettransaction`).
    ///
    /// A block hash is only believed after `getblockheader` puts it in the
    /// active chain: txindex keeps entries for blocks a reorg disconnected.
    public func sighting(of txid: String) throws(LedgerError) -> TransactionSighting {
        if let ancestors = try mempoolAncestors(txid) { return .mempool(ancestors: ancestors) }
        var blockHash: String?
        do {
            blockHash = try call("getrawtransaction", [.string(txid), true])["blockhash"]?.string
        } catch .rpc(let code, _) where code == RPCErrorCode.invalidAddressOrKey {
            if endpoint.wallet != nil {
                do {
                    blockHash = try call("gettransaction", [.string(txid)], wallet: true)["blockhash"]?.string
                } catch .rpc(let code, _) where code == RPCErrorCode.invalidAddressOrKey || code == RPCErrorCode.walletNotFound {}
            }
        }
        guard let blockHash else { return .unknown }
        let header: (height: Int64, confirmations: Int64)
        do { header = try blockHeader(blockHash) } catch .rpc(let code, _) where code == RPCErrorCode.invalidAddressOrKey {
            // The index names a block the node no longer has: after a crash
            // (SIGKILL) a node can come back without its last, unflushed blocks.
            return .unknown
        }
        guard header.confirmations > 0 else { return .unknown }
        return .block(hash: blockHash, height: header.height, confirmations: header.confirmations)
    }

    /// `getbestblockhash`.
    public func bestBlockHash() throws(LedgerError) -> String {
        try call("getbestblockhash").asString(in: "getbestblockhash")
    }

    /// `estimatesmartfee blocks` in coins per kvB; nil when the node has no
    /// estimate yet (regtest, or a fresh node: it answers with `errors`).
    public func estimatedFeeRate(blocks: Int) throws(LedgerError) -> Double? {
        try call("estimatesmartfee", [.int(Int64(blocks))])["feerate"]?.number?.double
    }
}

extension BitcoinRPC {
    /// How close a child of `txid` comes to the node's mempool chain limits
    /// (-limitancestorcount and -limitdescendantcount, 25 each): the larger of
    /// `txid`'s ancestor count and the descendant count of `txid` and of each
    /// of its ancestors, all counting the transaction itself. A child makes
    /// each of these one larger. nil when `txid` is not in the mempool.
    ///
    /// Both limits matter: the outputs of one unconfirmed transaction spent
    /// by separate chains share it as an ancestor, so its descendants add up
    /// over all those chains (measured: a 9th-deep anchor was refused with
    /// "too many descendants" for a split transaction feeding 8 chains).
    public func mempoolChainLoad(_ txid: String) throws(LedgerError) -> Int? {
        let entry: JSONValue
        do { entry = try call("getmempoolentry", [.string(txid)]) } catch .rpc(let code, _) where code == RPCErrorCode.invalidAddressOrKey { return nil }
        let ancestorCount = Int(try entry.requiredInt64("ancestorcount", in: "getmempoolentry"))
        var load = max(ancestorCount, Int(try entry.requiredInt64("descendantcount", in: "getmempoolentry")))
        guard ancestorCount > 1 else { return load }
        let ancestors = try call("getmempoolancestors", [.string(txid), true])
        for (_, ancestor) in ancestors.object?.members ?? [] {
            load = max(load, Int(ancestor["descendantcount"]?.int64 ?? 0))
        }
        return load
    }
}
