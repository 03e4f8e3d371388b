/// Why a ledger RPC call failed, in terms a person can act on. Messages
/// never contain the RPC password or cookie.
public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No TCP connection, or no complete answer before the timeout.
    case unreachable(String)
    /// HTTP 401: the node rejected the credentials (wrong password or stale cookie).
    case unauthorized
    /// The node answered with a JSON-RPC error object (bitcoin/src/rpc/protocol.h codes).
    case rpc(code: Int, message: String)
    /// The node answered something that is not the expected HTTP or JSON-RPC shape.
    case badResponse(String)
    /// The `.cookie` file could not be read or is not `user:password`.
    case cookieUnreadable(String)

    public var description: String {
        switch self {
        case .unreachable(let why): "ledger node unreachable: \(why)"
        case .unauthorized: "ledger node rejected the RPC credentials (HTTP 401): check the cookie file or rpcuser/rpcpassword"
        case .rpc(let code, let message): "ledger node RPC error \(code): \(message)"
        case .badResponse(let why): "unexpected answer from the ledger node: \(why)"
        case .cookieUnreadable(let why): "cannot read the ledger node's RPC cookie: \(why)"
        }
    }
}

extension LedgerError {
    /// The node, not the request, is the problem (another node may do):
    /// no connection, a refused or missing cookie (a stopped node deletes
    /// its .cookie), or RPC_IN_WARMUP while it starts.
    public var nodeIsDown: Bool {
        switch self {
        case .unreachable, .unauthorized, .cookieUnreadable: true
        case .rpc(let code, _): code == RPCErrorCode.inWarmup
        case .badResponse: false
        }
    }
}

/// Bitcoin Core RPC error codes Vitalgate reacts to (bitcoin/src/rpc/protocol.h),
/// named here once; nothing else spells them as numbers.
public enum RPCErrorCode {
    /// RPC_WALLET_ERROR: 0.21 also uses it for "already loaded" and "already exists".
    public static let walletError = -4
    /// RPC_INVALID_ADDRESS_OR_KEY: no such transaction, block or mempool entry.
    public static let invalidAddressOrKey = -5
    /// RPC_INVALID_PARAMETER.
    public static let invalidParameter = -8
    /// RPC_WALLET_NOT_FOUND: `loadwallet` of a wallet that does not exist, or no such wallet loaded.
    public static let walletNotFound = -18
    /// RPC_VERIFY_ERROR: e.g. an input missing or spent.
    public static let verifyError = -25
    /// RPC_VERIFY_REJECTED: refused by policy (fee, mempool chain limits).
    public static let verifyRejected = -26
    /// RPC_VERIFY_ALREADY_IN_CHAIN.
    public static let verifyAlreadyInChain = -27
    /// RPC_IN_WARMUP: the node is still starting.
    public static let inWarmup = -28
    /// RPC_WALLET_ALREADY_LOADED (Bitcoin Core 22+).
    public static let walletAlreadyLoaded = -35
}
