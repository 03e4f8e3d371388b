import Bitcoin
import LedgerRPC
import Logging
import SQLiteStore

/// Anchors on a Bitcoin-family chain through one or more JSON-RPC endpoints
/// of the same network, used one at a time: the agent stays on an endpoint
/// until it fails, then moves to the next (docs/anchoring.md, "Several nodes").
///
/// Each endpoint's wallet pays for the anchors sent through it: the agent
/// keeps its coins per endpoint (`anchor_coins.endpoint`). Any endpoint
/// follows any anchor, since nodes of one network share blocks and relay
/// transactions; they must run with -txindex=1 to find an anchor another
/// node's wallet paid for once it is mined.
///
/// Used from the anchor thread only.
final class BitcoinAnchorTarget: AnchorTarget {
    let name: String
    let endpoints: [LedgerEndpoint]
    let fees: FeePolicy
    let logger: Logger
    private(set) var index = 0
    /// Endpoints whose wallet is loaded since their last failure.
    private var prepared = Set<Int>()
    /// The tip each endpoint had at the last reorg scan.
    var scannedTip: [Int: String] = [:]
    var cachedEstimate: (rate: FeeRate?, at: Double)?
    /// The tip when a node last refused an anchor by policy: no new anchor
    /// until the next block, so a refusal is not repeated once per interval.
    var refusedAtTip: String?
    /// The current endpoint's best block height at the last reorg scan.
    var tipHeight: Int64?

    init(name: String = "ledger", endpoints: [LedgerEndpoint], fees: FeePolicy, logger: Logger) {
        precondition(!endpoints.isEmpty, "a ledger target needs at least one endpoint")
        self.name = name
        self.endpoints = endpoints
        self.fees = fees
        self.logger = logger
    }

    var endpoint: LedgerEndpoint { endpoints[index] }
    var url: String { endpoint.url }
    var reachability: String { url }

    /// A client for the current endpoint with its wallet loaded (a node loads
    /// no wallet after a restart unless it is named in its config).
    func client() throws -> BitcoinRPC {
        let rpc = BitcoinRPC(endpoint: endpoint)
        if !prepared.contains(index) {
            if let wallet = endpoint.wallet { try rpc.ensureWallet(wallet) }
            prepared.insert(index)
            logger.info("ledger \(url): ready (wallet \(endpoint.wallet ?? "default"))")
        }
        return rpc
    }

    /// After a failed call: the wallet is loaded again next time (the node
    /// may have restarted), and when the endpoint itself is out of reach the
    /// next one takes over. Returns true when it switched.
    @discardableResult
    func noteFailure(_ error: LedgerError) -> Bool {
        prepared.remove(index)
        scannedTip[index] = nil
        guard endpoints.count > 1, Self.endpointIsDown(error) else { return false }
        // The anchor service says what happened, once per outage (not per switch).
        index = (index + 1) % endpoints.count
        return true
    }

    /// Errors that say the node, not the request, is the problem: no
    /// connection, a refused or missing cookie (a stopped node deletes its
    /// .cookie), or RPC_IN_WARMUP (-28) while it starts.
    static func endpointIsDown(_ error: LedgerError) -> Bool {
        switch error {
        case .unreachable, .unauthorized, .cookieUnreadable: return true
        case .rpc(let code, _): return code == -28
        case .badResponse: return false
        }
    }
}

/// Fee rate rules: the configured rate (or the node's 6-block estimate, or
/// the floor when it has none), held within [floor, cap].
struct FeePolicy {
    let configured: FeeRate?
    let floor: FeeRate
    let cap: FeeRate
}
