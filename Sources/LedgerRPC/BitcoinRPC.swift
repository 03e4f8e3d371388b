#if canImport(Glibc)
import Glibc
#endif
import Bitcoin
import Codecs
import JSON
import Synchronization
import Threads

/// A JSON-RPC client for Bitcoin Core-family nodes (tested against Litecoin
/// Core 0.21.2). Each call opens its own connection, so the client holds no
/// socket between calls and is safe to share between tasks.
public final class BitcoinRPC: Sendable {
    public let endpoint: LedgerEndpoint
    /// Bound on connect plus the whole answer, per call.
    public let timeoutSeconds: Double
    private let nextID = Atomic<Int>(1)

    public init(endpoint: LedgerEndpoint, timeoutSeconds: Double = 10) {
        self.endpoint = endpoint
        self.timeoutSeconds = timeoutSeconds
    }

    /// Calls `method` and returns its `result`.
    ///
    /// Speaks JSON-RPC 1.0 as Bitcoin Core does (httprpc.cpp, rpc/request.cpp):
    /// a failed call comes back as HTTP 500 (404 for an unknown method) with a
    /// JSON body whose `error` is `{code, message}`; bad credentials get 401
    /// and an empty body.
    /// - Parameter wallet: send to `/wallet/<endpoint.wallet>` (bitcoin/doc/JSON-RPC-interface.md).
    public func call(_ method: String, _ params: [JSONValue] = [], wallet: Bool = false) throws(LedgerError) -> JSONValue {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let request: JSONValue = ["jsonrpc": "1.0", "id": .int(id), "method": .string(method), "params": .array(params)]
        let response = try HTTPExchange.post(
            host: endpoint.host, port: endpoint.port, path: requestPath(wallet: wallet),
            authorization: try endpoint.auth.authorizationHeader(),
            body: request.serializedUTF8(), timeoutSeconds: timeoutSeconds)
        if response.status == 401 { throw .unauthorized }
        if response.status == 403 {
            throw .badResponse("HTTP 403: the node refuses this client address (check -rpcallowip)")
        }
        let document: JSONValue
        do {
            var limits = JSONParser.Limits()
            limits.maxBytes = HTTPExchange.maximumResponseBytes
            document = try JSONParser.parse(response.body, limits: limits)
        } catch {
            throw .badResponse("HTTP \(response.status) for \(method) with a body that is not JSON (\(error))")
        }
        if let error = document["error"], !error.isNull {
            guard let code = error["code"]?.int64, let message = error["message"]?.string else {
                throw .badResponse("\(method): malformed error object \(error.serialized().prefix(200))")
            }
            throw .rpc(code: Int(code), message: message)
        }
        guard response.status == 200 else { throw .badResponse("HTTP \(response.status) for \(method) without an error object") }
        guard document["id"] == .int(id) else { throw .badResponse("\(method): answer id does not match request id \(id)") }
        guard let result = document["result"] else { throw .badResponse("\(method): answer has no result member") }
        return result
    }

    private func requestPath(wallet: Bool) -> String {
        guard wallet, let name = endpoint.wallet else { return endpoint.path }
        let base = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
        return base + "/wallet/" + percentEncoded(name)
    }
}

/// RFC 3986 section 2.3 unreserved characters pass; every other byte is %XX.
/// Core decodes the wallet name with `urlDecode` (httprpc.cpp GetWalletNameFromJSONRPCRequest).
func percentEncoded(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            out += "%" + Hex.encode([byte]).uppercased()
        }
    }
    return out
}

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

extension BitcoinRPC {
    /// Makes sure wallet `name` is loaded: nothing if it is, `loadwallet` if it
    /// exists on disk, `createwallet` otherwise.
    ///
    /// A node does not reload wallets after a restart unless told to, so the
    /// agent calls this at every start. Codes as litecoind 0.21.2 answers:
    /// `loadwallet` of a missing wallet is -18; of a loaded one -4 "already
    /// loaded" (-35 from Bitcoin Core 22 on); `createwallet` of an existing one -4.
    public func ensureWallet(_ name: String) throws(LedgerError) {
        let loaded = try call("listwallets").array?.compactMap(\.string) ?? []
        if loaded.contains(name) { return }
        do throws(LedgerError) {
            _ = try call("loadwallet", [.string(name)])
        } catch .rpc(let code, _) where code == RPCErrorCode.walletNotFound {
            do throws(LedgerError) {
                _ = try call("createwallet", [.string(name)])
            } catch .rpc(let code, let message) where code == RPCErrorCode.walletError && message.contains("already exists") {
                // Another client created it between our two calls; load what it made.
                try loadTolerated(name)
            }
        } catch .rpc(let code, let message) where Self.isAlreadyLoaded(code, message) {
            return
        } catch .rpc(let code, let message) where code == RPCErrorCode.walletError && message.contains("already being loading") {
            // Another client's loadwallet is under way (0.21's wording); wait for it to finish.
            try waitForWallet(name)
        }
    }

    /// Polls `listwallets` (at most ~10 s) until `name` is loaded.
    private func waitForWallet(_ name: String) throws(LedgerError) {
        for _ in 0..<100 {
            if (try call("listwallets").array?.compactMap(\.string) ?? []).contains(name) { return }
            ThreadSleep.for(.milliseconds(100))
        }
        throw LedgerError.badResponse("wallet \(name) did not finish loading within 10 s")
    }

    private func loadTolerated(_ name: String) throws(LedgerError) {
        do throws(LedgerError) { _ = try call("loadwallet", [.string(name)]) } catch .rpc(let code, let message) where Self.isAlreadyLoaded(code, message) {}
    }

    private static func isAlreadyLoaded(_ code: Int, _ message: String) -> Bool {
        code == RPCErrorCode.walletAlreadyLoaded || (code == RPCErrorCode.walletError && message.contains("already loaded"))
    }

    /// `getnewaddress` in the endpoint's wallet (the node's default address type).
    public func newAddress() throws(LedgerError) -> String {
        try call("getnewaddress", [], wallet: true).asString(in: "getnewaddress")
    }
}

/// A transaction output: `txid` in display (RPC) byte order and its index.
public struct OutPoint: Sendable, Hashable, CustomStringConvertible {
    public let txid: String
    public let vout: UInt32

    public init(txid: String, vout: UInt32) {
        self.txid = txid.lowercased()
        self.vout = vout
    }

    public var description: String { "\(txid):\(vout)" }
}

/// Typed reads of RPC results: a missing or mistyped field is the node's
/// answer not matching the documented shape, so it is a `.badResponse`.
extension JSONValue {
    func requiredString(_ key: String, in method: String) throws(LedgerError) -> String {
        guard let value = self[key]?.string else { throw .badResponse("\(method): no string field \"\(key)\"") }
        return value
    }

    func requiredInt64(_ key: String, in method: String) throws(LedgerError) -> Int64 {
        guard let value = self[key]?.int64 else { throw .badResponse("\(method): no integer field \"\(key)\"") }
        return value
    }

    func requiredBool(_ key: String, in method: String) throws(LedgerError) -> Bool {
        guard let value = self[key]?.bool else { throw .badResponse("\(method): no boolean field \"\(key)\"") }
        return value
    }

    func asString(in method: String) throws(LedgerError) -> String {
        guard let value = string else { throw .badResponse("\(method): result is not a string") }
        return value
    }

    func asHexBytes(in method: String) throws(LedgerError) -> [UInt8] {
        guard let text = string, let bytes = Hex.decode(text) else { throw .badResponse("\(method): result is not hex") }
        return bytes
    }
}
