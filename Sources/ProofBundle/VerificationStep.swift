/// The outcome of one verification step, printed as `PASS name: detail` or
/// `FAIL name: reason`.
public struct VerificationStep: Sendable, Equatable, CustomStringConvertible {
    public enum Name: String, Sendable, CaseIterable {
        case bundle = "bundle format"
        case reading = "reading encodes to leaf"
        case inclusion = "inclusion proof reaches checkpoint root"
        case checkpoint = "checkpoint signed by gateway key"
        case keyChain = "gateway key in the provisioned key chain"
        case anchorTransaction = "anchor transaction commits to checkpoint"
        case txoutProof = "txout proof places transaction in block"
        case ledger = "block in active chain with confirmations"
    }

    public let name: Name
    public let passed: Bool
    public let detail: String

    public static func pass(_ name: Name, _ detail: String) -> Self { .init(name: name, passed: true, detail: detail) }
    public static func fail(_ name: Name, _ detail: String) -> Self { .init(name: name, passed: false, detail: detail) }

    public var description: String { "\(passed ? "PASS" : "FAIL")  \(name.rawValue): \(detail)" }
}

/// What the verifier may ask of a ledger node (given with `verify --ledger-url`).
public protocol LedgerView {
    /// Height and confirmations of a block; confirmations are -1 when the block is not in the active chain.
    func block(hash: String) throws -> (height: Int64, confirmations: Int64)
}
