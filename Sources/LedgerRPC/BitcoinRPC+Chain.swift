import Bitcoin
import JSON

extension BitcoinRPC {
    /// `getblockchaininfo`: network name ("main", "test", "regtest"), height and tip.
    public func blockchainInfo() throws(LedgerError) -> (chain: String, blocks: Int64, bestBlockHash: String) {
        let info = try call("getblockchaininfo")
        return (try info.requiredString("chain", in: "getblockchaininfo"),
                try info.requiredInt64("blocks", in: "getblockchaininfo"),
                try info.requiredString("bestblockhash", in: "getblockchaininfo"))
    }

    /// `generatetoaddress n address` (regtest mining): the new block hashes.
    public func generateToAddress(_ n: Int, _ address: String) throws(LedgerError) -> [String] {
        let result = try call("generatetoaddress", [.int(n), .string(address)])
        guard let hashes = result.array?.compactMap(\.string), hashes.count == n else {
            throw .badResponse("generatetoaddress: expected \(n) block hashes")
        }
        return hashes
    }

    /// `gettxoutproof [txid] blockhash`: a serialized `MerkleBlock`.
    ///
    /// The block hash is required: without it the node looks the transaction
    /// up itself and can prove it against a block that a reorg has replaced.
    public func txOutProof(_ txid: String, blockHash: String) throws(LedgerError) -> [UInt8] {
        try call("gettxoutproof", [[.string(txid)], .string(blockHash)]).asHexBytes(in: "gettxoutproof")
    }

    /// `getblockheader hash true`: height, and confirmations (-1 when the block
    /// is not in the active chain, i.e. was reorganized away).
    public func blockHeader(_ hash: String) throws(LedgerError) -> (height: Int64, confirmations: Int64) {
        let header = try call("getblockheader", [.string(hash), true])
        return (try header.requiredInt64("height", in: "getblockheader"),
                try header.requiredInt64("confirmations", in: "getblockheader"))
    }
}
