/// How the node answered `sendrawtransaction` when it did not take the
/// transaction, sorted by what the sender has to do about it
/// (rpc/protocol.h codes; node/transaction.cpp BroadcastTransaction).
public enum SendRefusal: Sendable, Equatable {
    /// -27 RPC_VERIFY_ALREADY_IN_CHAIN: it is mined already; nothing to do.
    case alreadyInChain
    /// -25 RPC_VERIFY_ERROR, "bad-txns-inputs-missingorspent" and the like: an
    /// input is unknown to this node (its parent is not in its mempool) or spent.
    case inputsMissingOrSpent(String)
    /// -26 RPC_VERIFY_REJECTED: policy, e.g. "too-long-mempool-chain" (more than
    /// 25 unconfirmed ancestors), "min relay fee not met", "txn-mempool-conflict".
    case rejected(String)

    /// The refusal an RPC error stands for; nil for any other error.
    public init?(_ error: LedgerError) {
        guard case .rpc(let code, let message) = error else { return nil }
        switch code {
        case RPCErrorCode.verifyAlreadyInChain: self = .alreadyInChain
        case RPCErrorCode.verifyError: self = .inputsMissingOrSpent(message)
        case RPCErrorCode.verifyRejected: self = .rejected(message)
        default: return nil
        }
    }
}
