import Bitcoin
import JSON

extension BitcoinRPC {
    /// Broadcasts a transaction whose first output is `OP_RETURN <payload>`,
    /// funded and signed by the endpoint's wallet; returns the txid and the
    /// signed serialization.
    ///
    /// Steps (Bitcoin Core rawtransaction RPCs): `createrawtransaction [] [{"data": hex}]`,
    /// `fundrawtransaction` with the change after the data output (and
    /// `feeRate` in coins per kvB if given, else the wallet's estimate or
    /// `-fallbackfee`), `signrawtransactionwithwallet` (must be complete),
    /// `sendrawtransaction`. The signed transaction is parsed before sending:
    /// it must carry exactly `payload`, and the node's txid must be its txid.
    /// - Precondition: `payload.count <= 80` (the node's default -datacarriersize relay limit).
    public func sendAnchor(_ payload: [UInt8], feeRatePerKvB: Double?) throws(LedgerError) -> (txid: String, rawTx: [UInt8]) {
        precondition(payload.count <= 80, "OP_RETURN data above 80 bytes is not relayed by default")
        let unfunded = try call("createrawtransaction", [[], [["data": .string(Hex.encode(payload))]]])
            .asString(in: "createrawtransaction")

        var options: [(key: String, value: JSONValue)] = [(key: "changePosition", value: 1)]
        if let feeRatePerKvB { options.append((key: "feeRate", value: Self.coinAmount(feeRatePerKvB))) }
        let funded = try call("fundrawtransaction", [.string(unfunded), .object(JSONObject(options))], wallet: true)
            .requiredString("hex", in: "fundrawtransaction")

        let signed = try call("signrawtransactionwithwallet", [.string(funded)], wallet: true)
        guard try signed.requiredBool("complete", in: "signrawtransactionwithwallet") else {
            let errors = signed["errors"].map { $0.serialized() } ?? "none listed"
            throw .badResponse("signrawtransactionwithwallet left the anchor incomplete: \(errors.prefix(300))")
        }
        let signedHex = try signed.requiredString("hex", in: "signrawtransactionwithwallet")
        guard let rawTx = Hex.decode(signedHex) else { throw .badResponse("signrawtransactionwithwallet: hex field is not hex") }
        let transaction: BitcoinTransaction
        do { transaction = try BitcoinTransaction(parsing: rawTx) } catch {
            throw .badResponse("signed anchor transaction does not parse: \(error)")
        }
        guard transaction.opReturnPayloads == [payload] else {
            throw .badResponse("signed anchor transaction does not carry exactly the requested OP_RETURN data")
        }

        let txid = try call("sendrawtransaction", [.string(signedHex)]).asString(in: "sendrawtransaction")
        guard txid == transaction.txidHex else {
            throw .badResponse("sendrawtransaction answered txid \(txid), the signed transaction's is \(transaction.txidHex)")
        }
        return (txid, rawTx)
    }

    /// A coin amount as JSON with at most 8 decimals (Core's AmountFromValue
    /// rejects more), rounded to the smallest unit.
    static func coinAmount(_ coins: Double) -> JSONValue {
        let units = Int64((coins * 100_000_000).rounded())
        return .number(JSONNumber(ExactDecimal(mantissa: units, exponent: -8)))
    }
}
