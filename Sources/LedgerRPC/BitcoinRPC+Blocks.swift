import Bitcoin
import JSON

extension BitcoinRPC {
    /// `getblockcount`: the height of the active chain's tip.
    public func blockCount() throws(LedgerError) -> Int64 {
        guard let n = try call("getblockcount").int64 else { throw .badResponse("getblockcount: not an integer") }
        return n
    }

    /// `getblockhash height`: the active chain's block at `height`.
    public func blockHash(height: Int64) throws(LedgerError) -> String {
        try call("getblockhash", [.int(height)]).asString(in: "getblockhash")
    }

    /// `getblock hash 0`: the serialized block, parsed and checked to be the
    /// block asked for (its header hashes to `hash`).
    public func block(_ hash: String) throws(LedgerError) -> BitcoinBlock {
        let raw = try call("getblock", [.string(hash), .int(0)]).asHexBytes(in: "getblock")
        let block: BitcoinBlock
        do { block = try BitcoinBlock(parsing: raw) } catch { throw .badResponse("getblock \(hash): \(error)") }
        guard block.header.hashHex == hash.lowercased() else {
            throw .badResponse("getblock \(hash): returned block \(block.header.hashHex)")
        }
        return block
    }
}
