import Bitcoin
import JSON

extension BitcoinRPC {
    /// `getnewaddress "" bech32` in the endpoint's wallet: a P2WPKH address,
    /// whose spends have the size `AnchorTransactionSize` counts.
    public func newSegwitAddress(label: String = "") throws(LedgerError) -> String {
        try call("getnewaddress", [.string(label), "bech32"], wallet: true).asString(in: "getnewaddress")
    }

    /// `getbalances`: the wallet's trusted balance (confirmed, plus its own
    /// unconfirmed change) in satoshis.
    public func trustedBalance() throws(LedgerError) -> Int64 {
        guard let amount = try call("getbalances", wallet: true)["mine"]?["trusted"] else {
            throw .badResponse("getbalances: no mine.trusted")
        }
        return try Self.satoshis(amount, in: "getbalances")
    }

    /// `lockunspent false [outpoints]`: the wallet's own coin selection
    /// (`fundrawtransaction`, `send`) will not spend them. Locks live in the
    /// node's memory only: they are gone after a node restart.
    public func lockCoins(_ coins: [OutPoint]) throws(LedgerError) {
        guard !coins.isEmpty else { return }
        let list: [JSONValue] = coins.map { ["txid": .string($0.txid), "vout": .int(Int64($0.vout))] }
        do {
            _ = try call("lockunspent", [false, .array(list)], wallet: true)
        } catch .rpc(let code, _) where code == RPCErrorCode.invalidParameter {
            // -8: an output is already locked, spent or unknown; lock them one by one, skipping those.
            for item in list { _ = try? call("lockunspent", [false, .array([item])], wallet: true) }
        }
    }

    /// `fundrawtransaction` (wallet coin selection; change at `changePosition`,
    /// so the given outputs keep their indices) at `feeRate`, then
    /// `signrawtransactionwithwallet`. Slow in a wallet with many coins
    /// (measured ~220 ms with ~800 UTXOs): the agent only uses it to make its own coins.
    public func fundAndSign(_ hex: String, feeRate: FeeRate, changePosition: Int) throws(LedgerError) -> BitcoinTransaction {
        let options: JSONValue = .object(JSONObject([
            (key: "feeRate", value: Self.satoshiAmount(feeRate.satoshisPerKvB)),
            (key: "changePosition", value: .int(changePosition)),
        ]))
        let funded = try call("fundrawtransaction", [.string(hex), options], wallet: true)
        return try signWithWallet(try funded.requiredString("hex", in: "fundrawtransaction"))
    }

    /// `listunspent minconf maxconf`: outpoint, satoshis, address and confirmations of the wallet's spendable coins.
    public func unspentCoins(minimumConfirmations: Int = 0, maximumConfirmations: Int = 9_999_999) throws(LedgerError)
        -> [(outPoint: OutPoint, satoshis: Int64, address: String, confirmations: Int64)] {
        let list = try call("listunspent", [.int(Int64(minimumConfirmations)), .int(Int64(maximumConfirmations))], wallet: true)
        guard let items = list.array else { throw .badResponse("listunspent: result is not an array") }
        var out: [(outPoint: OutPoint, satoshis: Int64, address: String, confirmations: Int64)] = []
        for item in items where item["spendable"]?.bool != false {
            out.append((OutPoint(txid: try item.requiredString("txid", in: "listunspent"),
                                 vout: UInt32(try item.requiredInt64("vout", in: "listunspent"))),
                        try Self.satoshis(item["amount"] ?? .null, in: "listunspent"),
                        item["address"]?.string ?? "", try item.requiredInt64("confirmations", in: "listunspent")))
        }
        return out
    }

    /// A coin amount (at most 8 decimals) in satoshis, exactly.
    static func satoshis(_ amount: JSONValue, in method: String) throws(LedgerError) -> Int64 {
        guard let decimal = amount.number?.decimal, decimal.exponent >= -8, decimal.exponent <= 8 else {
            throw .badResponse("\(method): amount \(amount.serialized()) is not a coin amount")
        }
        var value = decimal.mantissa
        for _ in 0..<(8 + Int(decimal.exponent)) {
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw .badResponse("\(method): amount \(amount.serialized()) is too large") }
            value = product
        }
        return value
    }
}
