import Codecs
import Threads
import Bitcoin
import JSON
import LedgerRPC
import Merkle
import ProofBundle
import SignedNote
import SQLiteStore
import Sodium

/// A gateway never forks itself (docs/audit.md, "A gateway never forks
/// itself"). Before the agent signs or anchors anything it checks:
///
/// 1. its newest checkpoint against its stored tree and key chain (the note
///    verifies, its size is held, its root is the tree's root at that size);
/// 2. the anchors of its keys on the ledger, when a node answers: none may
///    commit to a tree larger than the database holds, or to another root
///    than the database's tree has at that size. A database restored from an
///    older copy, or a swapped card, fails here: signing would give the same
///    sizes a second history, a fork.
///
/// The second check runs at start; when no node answers then, the anchor
/// service runs it before its first anchor, and until then checkpoints are
/// signed as usual (they stay on the gateway) but nothing is anchored. On
/// a contradiction the agent refuses to start, or, found later, stops
/// signing and anchoring and says so in its log and `status`.
public final class ForkGuard: Sendable {
    enum State: Sendable, Equatable {
        case unchecked
        case clear
        case refused(String)
    }
    let state = LockedBox<State>(.unchecked)

    public init() {}

    /// Blocks below the newest anchored block the database knows from which
    /// the chain is scanned again (reorgs and anchors confirmed late).
    static let rescanDepth: Int64 = 100
    /// How far back a database that never saw an anchor or a node is checked.
    static let blindScanDepth: Int64 = 1000

    /// Why signing and anchoring are refused, if they are.
    public var refusal: String? {
        state.withLock { if case .refused(let why) = $0 { why } else { nil } }
    }

    public var isClear: Bool { state.withLock { $0 == .clear } }

    /// Check 1. Throws a `StoreError` that says what is wrong.
    /// - Parameter archive: the `archive_dir` folder, for hashes handed to it (docs/storage.md).
    public static func checkNewestCheckpoint(_ db: Database, origin: String, archive: TileArchive? = nil) throws {
        try db.transaction(.deferred) {
            guard let newest = try CheckpointTable(db).latest() else { return }
            let nodes = MerkleNodeTable(db, archive: archive)
            let size = try nodes.treeSize()
            let note = try SignedNote(parsing: newest.note)
            let checkpoint = try Checkpoint(body: note.text)
            let key = try KeyRotationTable(db).signer(of: newest.note)
            guard checkpoint.origin == origin else {
                throw StoreError("the newest checkpoint (size \(checkpoint.size)) is for \(checkpoint.origin), this gateway is \(origin): the database belongs to another gateway")
            }
            do {
                try note.verify(name: origin, publicKey: key) { Ed25519PublicKey(bytes: key)?.isValidSignature($1, for: $0) ?? false }
            } catch {
                throw StoreError("the newest checkpoint (size \(checkpoint.size)) does not verify with this gateway's key: \(error); the database was altered")
            }
            guard checkpoint.size <= size else {
                throw StoreError("the newest checkpoint covers \(checkpoint.size) leaves but the log holds \(size): leaves were removed from the database")
            }
            let root = try MerkleTree.root(size: checkpoint.size, nodes: nodes)
            guard root.bytes == checkpoint.rootHash, newest.root == checkpoint.rootHash else {
                throw StoreError("the stored tree's root at size \(checkpoint.size) is \(root.hex), the newest checkpoint signed \(Hex.encode(checkpoint.rootHash)): the log was altered after it was signed")
            }
        }
    }

    /// Check 2: scans the ledger for anchors of the gateway's keys that the
    /// database's tree does not hold. Sets and returns the outcome: nil when
    /// clear, else the refusal. Throws `LedgerError` when no node answers.
    @discardableResult
    /// Roots at anchored sizes whose hashes were archived are read from `archive`
    /// (docs/storage.md); a `TileArchive.Failure` means it could not be read.
    public func checkLedger(_ db: Database, endpoints: [LedgerEndpoint], currentKey: [UInt8], home: GatewayHome,
                            archive: TileArchive? = nil) throws -> String? {
        var keys = try KeyRotationTable(db).keys()
        if !keys.contains(currentKey) { keys.append(currentKey) }
        let fingerprints = Set(keys.map { AnchorPayload.keyFingerprint(of: $0) })
        let known = try db.scalar("SELECT COALESCE(MAX(block_height), -1) FROM anchors WHERE block_height IS NOT NULL")
        let recorded = try db.meta("ledger_scan_from").flatMap { Int64($0) }
        let from: Int64? = known >= 0 ? known - Self.rescanDepth : recorded
        let tip: Int64
        let scan: LedgerScan.Result
        if let from {
            scan = try LedgerScan.anchors(endpoints: endpoints, fingerprints: fingerprints, from: from)
            tip = scan.tip
        } else {
            // Neither an anchor nor a node seen yet: a new gateway, or a copy from before its first start.
            let probe = try LedgerScan.anchors(endpoints: endpoints, fingerprints: [], from: .max)
            scan = try LedgerScan.anchors(endpoints: endpoints, fingerprints: fingerprints, from: probe.tip - Self.blindScanDepth)
            tip = scan.tip
        }
        let refusal = try contradiction(scan.anchors, db: db, home: home, ledger: scan.endpoint, archive: archive)
        if refusal == nil && recorded == nil { try db.setMeta("ledger_scan_from", String(max(0, tip))) }
        state.withLock { $0 = refusal.map { .refused($0) } ?? .clear }
        return refusal
    }

    /// The first anchor the database's tree contradicts, as a sentence with the way out.
    func contradiction(_ anchors: [ObservedAnchor], db: Database, home: GatewayHome, ledger: String,
                       archive: TileArchive? = nil) throws -> String? {
        try db.transaction(.deferred) {
            let nodes = MerkleNodeTable(db, archive: archive)
            let size = try nodes.treeSize()
            var roots: [UInt64: [UInt8]] = [:]
            for anchor in anchors.sorted(by: { ($0.height, $0.position) < ($1.height, $1.position) }) {
                let anchored = anchor.payload.treeSize
                let what: String
                if anchored > size {
                    what = "the ledger (\(ledger)) holds anchor \(anchor.txid) in block \(anchor.height) for a tree of \(anchored) leaves "
                        + "signed by this gateway's key, but this database's log has only \(size)"
                } else {
                    if roots[anchored] == nil { roots[anchored] = try MerkleTree.root(size: anchored, nodes: nodes).bytes }
                    guard roots[anchored] != anchor.payload.rootHash else { continue }
                    what = "the ledger (\(ledger)) holds anchor \(anchor.txid) in block \(anchor.height) committing to root "
                        + "\(Hex.encode(anchor.payload.rootHash)) at tree size \(anchored), but this database's tree has root "
                        + "\(Hex.encode(roots[anchored]!)) at that size"
                }
                return "refusing to sign or anchor: \(what). This database is not the history this gateway's key has anchored: "
                    + "it was restored from an older copy, or the card was swapped, and signing now would fork the log. "
                    + "To recover, stop the agent and put back the newest copy of \(home.database) (the one that made that anchor). "
                    + "If that copy is lost, provision a new identity (a new gateway id and key, `vitalgate provision --force`) so that "
                    + "a new log does not pose as this one's continuation; `vitalgate audit chain --gateway-key \(home.publicKeyFile) "
                    + "--ledger-url URL` lists this key's anchors (docs/audit.md)."
            }
            return nil
        }
    }
}
