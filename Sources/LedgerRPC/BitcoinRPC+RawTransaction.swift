import Codecs
import Bitcoin
import JSON

extension BitcoinRPC {
    /// `createrawtransaction` with the given inputs and outputs in order: an
    /// `OP_RETURN <data>` output, then `payTo` outputs (address → satoshis).
    /// Nothing is selected by the wallet: the inputs are exactly `inputs`.
    public func createRawTransaction(inputs: [OutPoint], data: [UInt8]?, payTo: [(address: String, satoshis: Int64)]) throws(LedgerError) -> String {
        let ins: [JSONValue] = inputs.map { ["txid": .string($0.txid), "vout": .int(Int64($0.vout))] }
        var outs: [JSONValue] = []
        if let data { outs.append(["data": .string(Hex.encode(data))]) }
        for output in payTo { outs.append(.object(JSONObject([(key: output.address, value: Self.satoshiAmount(output.satoshis))]))) }
        return try call("createrawtransaction", [.array(ins), .array(outs)]).asString(in: "createrawtransaction")
    }

    /// `signrawtransactionwithwallet`: the signed bytes, parsed. Throws unless
    /// the wallet signed every input (`complete`).
    public func signWithWallet(_ hex: String) throws(LedgerError) -> BitcoinTransaction {
        let signed = try call("signrawtransactionwithwallet", [.string(hex)], wallet: true)
        guard try signed.requiredBool("complete", in: "signrawtransactionwithwallet") else {
            let errors = signed["errors"].map { $0.serialized() } ?? "none listed"
            throw .badResponse("wallet \(endpoint.wallet ?? "(default)") could not sign every input: \(errors.prefix(300))")
        }
        guard let raw = Hex.decode(try signed.requiredString("hex", in: "signrawtransactionwithwallet")) else {
            throw .badResponse("signrawtransactionwithwallet: hex field is not hex")
        }
        do { return try BitcoinTransaction(parsing: raw) } catch {
            throw .badResponse("the signed transaction does not parse: \(error)")
        }
    }

    /// `sendrawtransaction`: submits to the node's mempool and relays.
    ///
    /// Unlike the wallet's `send`, which can answer `complete: true` for a
    /// transaction the mempool refused (measured on litecoind 0.21.2), this
    /// fails with the node's reason: -26 policy refusal (e.g.
    /// too-long-mempool-chain, fee too low), -25 missing or spent inputs, -27
    /// already in the chain. See `SendRefusal`.
    public func sendRawTransaction(_ raw: [UInt8], expectedTxid: String) throws(LedgerError) {
        let txid = try call("sendrawtransaction", [.string(Hex.encode(raw))]).asString(in: "sendrawtransaction")
        guard txid == expectedTxid else {
            throw .badResponse("sendrawtransaction answered txid \(txid), the transaction's is \(expectedTxid)")
        }
    }

    /// A coin amount in satoshis as JSON with 8 decimals (Core's AmountFromValue).
    static func satoshiAmount(_ satoshis: Int64) -> JSONValue {
        .number(JSONNumber(ExactDecimal(mantissa: satoshis, exponent: -8)))
    }
}
