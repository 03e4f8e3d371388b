import Codecs
import JSON
import Synchronization

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
