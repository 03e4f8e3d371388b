import Bitcoin
import Codecs
import JSON
import LedgerRPC

/// What these tests need beyond the agent's own RPC surface: a one-shot
/// wallet-funded anchor and the wallet's and chain's view of it. The agent
/// anchors from its own coin pool (`AnchorTransaction`), so these live here.
extension BitcoinRPC {
    /// `OP_RETURN payload` funded by the wallet (change after the data
    /// output), signed and sent; checked to carry exactly `payload`.
    func sendAnchor(_ payload: [UInt8], feeRatePerKvB: Double) throws -> (txid: String, rawTx: [UInt8]) {
        let unfunded = try createRawTransaction(inputs: [], data: payload, payTo: [])
        let signed = try fundAndSign(unfunded, feeRate: FeeRate(coinsPerKvB: feeRatePerKvB), changePosition: 1)
        guard signed.opReturnPayloads == [payload] else { throw LedgerError.badResponse("the funded anchor lost its payload") }
        try sendRawTransaction(signed.bytes, expectedTxid: signed.txidHex)
        return (signed.txidHex, signed.bytes)
    }

    /// `gettransaction`: confirmations (0 in the mempool) and the block, if any.
    func transactionStatus(_ txid: String) throws -> (confirmations: Int64, blockHash: String?) {
        let tx = try call("gettransaction", [.string(txid)], wallet: true)
        guard let confirmations = tx["confirmations"]?.int64 else { throw LedgerError.badResponse("gettransaction: no confirmations") }
        return (confirmations, tx["blockhash"]?.string)
    }

    /// `getrawtransaction txid false [blockhash]`, checked to hash to `txid`.
    func rawTransaction(_ txid: String, blockHash: String?) throws -> [UInt8] {
        var params: [JSONValue] = [.string(txid), false]
        if let blockHash { params.append(.string(blockHash)) }
        guard let raw = try call("getrawtransaction", params).string.flatMap(Hex.decode),
              try BitcoinTransaction(parsing: raw).txidHex == txid else {
            throw LedgerError.badResponse("getrawtransaction \(txid): not that transaction")
        }
        return raw
    }
}
