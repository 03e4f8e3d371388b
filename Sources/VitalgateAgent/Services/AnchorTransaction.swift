import Bitcoin
import JSON
import LedgerRPC

/// Builds, signs and broadcasts one anchor transaction: a single OP_RETURN
/// output carrying the 52-byte `VGT1` payload, funded and signed by the
/// node's wallet. Building and broadcasting are separate so the signed bytes
/// can be stored first: after a crash the same transaction is rebroadcast
/// (idempotent) instead of a second one being paid for.
enum AnchorTransaction {
    /// createrawtransaction → fundrawtransaction → signrawtransactionwithwallet.
    static func build(payload: [UInt8], feeRate: Double?, rpc: BitcoinRPC) throws -> (txid: String, rawTx: [UInt8]) {
        let outputs = JSONValue.array([.object(JSONObject([(key: "data", value: .string(Hex.encode(payload)))]))])
        let unfunded = try rpc.call("createrawtransaction", [.array([]), outputs])
        var options: [(key: String, value: JSONValue)] = [(key: "lockUnspents", value: .bool(true))]
        if let feeRate { options.append((key: "feeRate", value: .number(JSONNumber(validatedText: String(feeRate))))) }
        let funded = try rpc.call("fundrawtransaction", [unfunded, .object(JSONObject(options))], wallet: true)
        guard let fundedHex = funded["hex"]?.string else { throw LedgerError.badResponse("fundrawtransaction: no hex") }
        let signed = try rpc.call("signrawtransactionwithwallet", [.string(fundedHex)], wallet: true)
        guard signed["complete"]?.bool == true, let signedHex = signed["hex"]?.string, let raw = Hex.decode(signedHex) else {
            throw LedgerError.badResponse("signrawtransactionwithwallet did not complete the anchor transaction")
        }
        let tx = try BitcoinTransaction(parsing: raw)
        guard tx.opReturnPayloads == [payload] else {
            throw LedgerError.badResponse("the funded transaction does not carry exactly the anchor payload")
        }
        return (tx.txidHex, raw)
    }

    /// sendrawtransaction; a transaction the node already has counts as sent.
    static func broadcast(txid: String, rawTx: [UInt8], rpc: BitcoinRPC) throws {
        do {
            let answer = try rpc.call("sendrawtransaction", [.string(Hex.encode(rawTx))])
            guard answer.string == txid else {
                throw LedgerError.badResponse("sendrawtransaction answered txid \(answer.string ?? "?"), expected \(txid)")
            }
        } catch LedgerError.rpc(let code, _) where code == -27 {
            // RPC_VERIFY_ALREADY_IN_CHAIN (rpc/protocol.h): mined already.
        }
    }
}
