/// The outcome of one verification step, printed as `PASS name: detail`,
/// `FAIL name: reason`, or `UNCHECKED name: why` when it could not be
/// checked at all (a ledger node that could not be asked): the evidence
/// neither passed nor failed.
public struct VerificationStep: Sendable, Equatable, CustomStringConvertible {
    public enum Name: String, Sendable, CaseIterable {
        // Table-like data (duplicates): each step's name as `verify` prints it: raw values, not logic.
        case bundle = "bundle format"
        case reading = "reading encodes to leaf"
        case event = "access event encodes to leaf"
        case inclusion = "inclusion proof reaches checkpoint root"
        case checkpoint = "checkpoint signed by gateway key"
        case keyChain = "gateway key in the provisioned key chain"
        case anchorTransaction = "anchor transaction commits to checkpoint"
        case txoutProof = "txout proof places transaction in block"
        case ledger = "block in active chain with confirmations"
        case consistency = "log only grew since the older checkpoint"
    }

    public let name: Name
    public let passed: Bool
    /// True when the step could not be run (`passed` is then false too).
    public let unchecked: Bool
    public let detail: String

    public static func pass(_ name: Name, _ detail: String) -> Self { .init(name: name, passed: true, unchecked: false, detail: detail) }
    public static func fail(_ name: Name, _ detail: String) -> Self { .init(name: name, passed: false, unchecked: false, detail: detail) }
    public static func unchecked(_ name: Name, _ detail: String) -> Self { .init(name: name, passed: false, unchecked: true, detail: detail) }

    public var description: String { "\(passed ? "PASS" : unchecked ? "UNCHECKED" : "FAIL")  \(name.rawValue): \(detail)" }
}

/// What a list of steps amounts to (`vitalgate verify`'s exit status, docs/proof-bundle.md).
public enum Verdict: Sendable, Equatable {
    /// Every step passed.
    case verified
    /// A step failed: the evidence is forged, altered, or does not match.
    case failed
    /// No step failed, but one could not be checked (a ledger node down).
    case couldNotCheck

    public init(_ steps: [VerificationStep]) {
        if steps.contains(where: { !$0.passed && !$0.unchecked }) {
            self = .failed
        } else if steps.contains(where: \.unchecked) {
            self = .couldNotCheck
        } else {
            self = .verified
        }
    }
}

/// What the verifier may ask of a ledger node (given with `verify --ledger-url`).
public protocol LedgerView {
    /// Height and confirmations of a block (confirmations are -1 when the
    /// block is not in the active chain); nil when the node does not know
    /// the block. Throws when no node could be asked.
    func block(hash: String) throws -> (height: Int64, confirmations: Int64)?
}
