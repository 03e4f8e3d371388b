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

/// Bitcoin Core RPC error codes this package reacts to (rpc/protocol.h).
enum RPCErrorCode {
    /// RPC_WALLET_ERROR: 0.21 also uses it for "already loaded" and "already exists".
    static let walletError = -4
    /// RPC_WALLET_NOT_FOUND: `loadwallet` of a wallet that does not exist.
    static let walletNotFound = -18
    /// RPC_WALLET_ALREADY_LOADED (Bitcoin Core 22+).
    static let walletAlreadyLoaded = -35
}
