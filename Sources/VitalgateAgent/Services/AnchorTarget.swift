import SQLiteStore

/// A ledger that checkpoints are anchored on. The anchor service drives each
/// target on its own thread: `follow`, then, when the interval is due and a
/// checkpoint is newer than every anchor of the target, `anchor`.
///
/// To add a ledger (a second Bitcoin-RPC chain, or another kind), implement
/// this and give the instance its own `name`: its anchors are the rows of
/// `anchors` with that `target`, and it owns their states (AnchorState) and
/// logs every transition through `AnchorTable.transition`. The bundle
/// format today carries a Bitcoin-family anchor (docs/proof-bundle.md); a
/// target of another kind also needs its own proof-bundle section.
protocol AnchorTarget: AnyObject {
    /// Names the target in the database (`anchors.target`) and in logs.
    var name: String { get }

    /// Commits to `payload` (the VGT1 bytes of the checkpoint of size
    /// `treeSize`): stores the anchor as `pending` in `db` before it leaves
    /// the gateway, then sends it.
    /// - Returns: `.deferred` when the target cannot take an anchor now for a
    ///   reason that passes by itself (e.g. every coin is deep in an
    ///   unconfirmed chain); the service tries again at the next interval.
    func anchor(treeSize: UInt64, payload: [UInt8], db: Database) throws -> AnchorAttempt

    /// Brings every live anchor of this target up to date with the ledger:
    /// sends pending ones, notices mempool drops and reorgs, records depth,
    /// and stores the proof once `requiredDepth` is reached.
    func follow(db: Database, requiredDepth: Int) throws

    /// Where the target is reaching its ledger now, for `status` (no secrets).
    var reachability: String { get }

    /// The ledger's best block height as last seen, for live confirmation counts.
    var tipHeight: Int64? { get }
}

enum AnchorAttempt: Equatable {
    case sent(txid: String)
    case deferred(String)
}
