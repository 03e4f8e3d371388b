import Codecs
import Bitcoin
import JSON
import Merkle
import SHA2
import SignedNote

/// A tree size and its RFC 9162 root: what a checkpoint or an anchor commits to.
public struct TreeHead: Sendable, Hashable, CustomStringConvertible {
    public let size: UInt64
    public let root: [UInt8]
    public init(size: UInt64, root: [UInt8]) {
        self.size = size
        self.root = root
    }
    public var description: String { "size \(size) root \(Hex.encode(root.prefix(8)))…" }
}

/// A `VGT1` payload on the chain that carries one of the gateway's key
/// fingerprints (docs/anchoring.md). Anyone can write such a payload: it
/// counts as the gateway's when a checkpoint signed by its key has the same
/// tree head ("attributed").
public struct ObservedAnchor: Sendable, Equatable {
    public let height: Int64
    public let blockHash: String
    /// Its position in the block (0 is the coinbase).
    public let position: Int
    public let txid: String
    public let payload: AnchorPayload

    // Table-like data (duplicates): the public memberwise init (Swift makes only an internal one): one assignment a property, no logic.
    public init(height: Int64, blockHash: String, position: Int, txid: String, payload: AnchorPayload) {
        self.height = height
        self.blockHash = blockHash
        self.position = position
        self.txid = txid
        self.payload = payload
    }

    public var head: TreeHead { TreeHead(size: payload.treeSize, root: payload.rootHash) }
    public var name: String { "txid \(txid) (block \(height))" }
}

/// What some evidence (a gateway's database, a folder of consistency files)
/// says about an older and a newer tree head. The monitor checks every
/// proof it is given; it trusts no evidence.
public enum LogRelation: Sendable {
    /// `old` is a prefix of `new`: consistency proofs (RFC 9162 section
    /// 2.1.4) from `old` through intermediate heads to `new`.
    case consistent([(from: TreeHead, to: TreeHead, proof: [SHA256Digest])])
    /// The tree `new` has root `prefixRoot` at `old.size`, not `old.root`;
    /// `proof` proves it.
    case inconsistent(prefixRoot: [UInt8], proof: [SHA256Digest])
    /// The evidence does not hold `new`.
    case unknown
}

/// Where the monitor gets signed checkpoints and consistency proofs.
public protocol LogEvidence {
    /// A name for messages (a path).
    var name: String { get }
    /// Signed checkpoint notes it holds.
    func checkpointNotes() throws -> [String]
    func relate(_ old: TreeHead, _ new: TreeHead) throws -> LogRelation
}

/// The verdict on one anchor, or on signed checkpoints that contradict each other.
public struct MonitorVerdict: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Consistent with every anchor before it.
        case ok = "OK"
        /// Two histories, both signed by the gateway's key: proof that it forked.
        case fork = "FORK"
        /// The payload contradicts the gateway's history, but the evidence has
        /// no signed checkpoint for one side (anyone can write a payload).
        case conflict = "CONFLICT"
        /// No contradiction found, and no proof either.
        case unproven = "UNPROVEN"
    }
    public let kind: Kind
    /// Nil for a verdict on signed checkpoints alone.
    public let anchor: ObservedAnchor?
    /// The other anchor of a fork or conflict, if it is one.
    public let other: ObservedAnchor?
    public let detail: String

    public var description: String {
        let subject = anchor.map { "anchor \($0.name) tree size \($0.payload.treeSize)" } ?? "signed checkpoints"
        return "\(kind.rawValue)  \(subject): \(detail)"
    }
}

/// Certificate Transparency's monitor for a Vitalgate gateway (docs/audit.md,
/// "Monitoring the chain"): every anchored root must be consistent with every
/// later one — no two anchors of one size with different roots, no size
/// going down, every step proven by a consistency proof.
public struct AnchorMonitor {
    let chain: VerifiedKeyChain
    let origin: String
    let ed25519: BundleVerifier.Ed25519Verify

    public init(chain: VerifiedKeyChain, origin: String, ed25519: @escaping BundleVerifier.Ed25519Verify) {
        self.chain = chain
        self.origin = origin
        self.ed25519 = ed25519
    }

    /// The key fingerprints anchors of this gateway carry (one per chain key).
    public var fingerprints: Set<[UInt8]> { Set(chain.keys.map { AnchorPayload.keyFingerprint(of: $0) }) }

    /// Verdicts, in chain order, for `anchors` (sorted here by height and
    /// position), then any for signed checkpoints that contradict each other.
    public func check(_ anchors: [ObservedAnchor], evidence: [any LogEvidence]) throws -> [MonitorVerdict] {
        let signed = try signedHeads(evidence)
        var verdicts: [MonitorVerdict] = []
        let ordered = anchors.filter { fingerprints.contains($0.payload.keyFingerprint) }
            .sorted { ($0.height, $0.position) < ($1.height, $1.position) }
        // The history anchored first: each anchor consistent with it extends it
        // (consistency is transitive), so each is compared with the largest one
        // so far and with every earlier one of its size.
        var spine: ObservedAnchor?
        var bySize: [UInt64: [ObservedAnchor]] = [:]
        for anchor in ordered {
            let head = anchor.head
            let attributed = signed[head.size]?.contains(head.root) ?? false
            var verdict: MonitorVerdict?
            func fail(_ other: ObservedAnchor?, _ detail: String, otherSigned: Bool) {
                let kind: MonitorVerdict.Kind = attributed && otherSigned ? .fork : .conflict
                let note = kind == .fork ? "" : "; the evidence holds no checkpoint signed by the gateway's key for "
                    + (attributed ? "the other side" : "this anchor") + " (the key fingerprint is public: ask the gateway for its checkpoint)"
                verdict = MonitorVerdict(kind: kind, anchor: anchor, other: other, detail: detail + note)
            }
            if let same = bySize[head.size]?.first(where: { $0.payload.rootHash != head.root }) {
                fail(same, "anchor \(same.name) commits to the same tree size \(head.size) with root \(Hex.encode(same.payload.rootHash)), this one to \(Hex.encode(head.root))",
                     otherSigned: signed[head.size]?.contains(same.payload.rootHash) ?? false)
            } else if let other = signed[head.size]?.first(where: { $0 != head.root }) {
                fail(nil, "the gateway's checkpoint of size \(head.size) signed root \(Hex.encode(other)), this anchor commits to \(Hex.encode(head.root))",
                     otherSigned: true)
            } else if let base = spine, base.head != head {
                let anchorIsOld = head.size < base.head.size
                let (old, new) = anchorIsOld ? (anchor, base) : (base, anchor)
                let baseSigned = signed[base.head.size]?.contains(base.head.root) ?? false
                switch try relate(old.head, new.head, evidence) {
                case .consistent(let steps, let source)?:
                    let how = "\(steps) consistency proof\(steps == 1 ? "" : "s") (RFC 9162 2.1.4) from \(source)"
                    verdict = MonitorVerdict(kind: .ok, anchor: anchor, other: nil, detail: anchorIsOld
                        ? "mined after the larger anchor \(base.name), and a prefix of its tree: \(how)"
                        : "grew from size \(old.payload.treeSize) (anchor \(old.name)): \(how)")
                case .inconsistent(let prefix, let source)?:
                    fail(base, (anchorIsOld ? "the tree size went down from \(base.payload.treeSize), and " : "")
                        + "not consistent with anchor \(base.name): the tree of size \(new.head.size) (root \(Hex.encode(new.head.root))) "
                        + "has root \(Hex.encode(prefix)) at size \(old.head.size), where anchor \(old.name) committed to \(Hex.encode(old.head.root)) (proven from \(source))",
                        otherSigned: baseSigned)
                case nil:
                    verdict = MonitorVerdict(kind: .unproven, anchor: anchor, other: base, detail: anchorIsOld
                        ? "the tree size went down from \(base.payload.treeSize) (anchor \(base.name)), and no evidence proves this tree a prefix of that one"
                        : "no consistency proof from size \(old.payload.treeSize) (anchor \(old.name)) to \(new.payload.treeSize) in the evidence")
                }
            } else if let base = spine {
                verdict = MonitorVerdict(kind: .ok, anchor: anchor, other: nil, detail: "the same tree as anchor \(base.name), anchored again")
            } else {
                verdict = MonitorVerdict(kind: .ok, anchor: anchor, other: nil, detail: "the first anchor of this gateway from the height scanned")
            }
            let result = verdict!
            // Every anchor counts for "one size, one root"; only proven ones extend the history.
            bySize[head.size, default: []].append(anchor)
            if result.kind == .ok, spine.map({ head.size > $0.payload.treeSize }) ?? true { spine = anchor }
            verdicts.append(result.kind == .ok && !attributed
                ? MonitorVerdict(kind: .ok, anchor: anchor, other: nil, detail: result.detail + " (no signed checkpoint of this head in the evidence)")
                : result)
        }
        for (size, roots) in signed.sorted(by: { $0.key < $1.key }) where roots.count > 1 {
            verdicts.append(MonitorVerdict(kind: .fork, anchor: nil, other: nil,
                                           detail: "the gateway's key signed \(roots.count) different roots at tree size \(size): \(roots.map { Hex.encode($0) }.sorted().joined(separator: ", "))"))
        }
        return verdicts
    }

    /// Tree heads of every checkpoint in the evidence that a chain key signed for `origin`.
    func signedHeads(_ evidence: [any LogEvidence]) throws -> [UInt64: Set<[UInt8]>] {
        var heads: [UInt64: Set<[UInt8]>] = [:]
        for source in evidence {
            for text in try source.checkpointNotes() {
                guard let note = try? SignedNote(parsing: text), let checkpoint = try? Checkpoint(body: note.text),
                      checkpoint.origin == origin, chain.signer(of: note, origin: origin, ed25519: ed25519) != nil else { continue }
                heads[checkpoint.size, default: []].insert(checkpoint.rootHash)
            }
        }
        return heads
    }

    enum Checked {
        case consistent(Int, String)
        case inconsistent([UInt8], String)
    }

    /// What the first source that knows says, its proofs checked (RFC 9162 section 2.1.4.2).
    func relate(_ old: TreeHead, _ new: TreeHead, _ evidence: [any LogEvidence]) throws -> Checked? {
        guard SHA256Digest(bytes: old.root) != nil, let newRoot = SHA256Digest(bytes: new.root) else { return nil }
        for source in evidence {
            switch try source.relate(old, new) {
            case .unknown:
                continue
            case .consistent(let steps):
                var at = old
                let proven = steps.allSatisfy { step in
                    defer { at = step.to }
                    guard step.from == at, let a = SHA256Digest(bytes: step.from.root), let b = SHA256Digest(bytes: step.to.root) else { return false }
                    return (try? ConsistencyProof.verify(oldSize: step.from.size, newSize: step.to.size, oldRoot: a, newRoot: b, proof: step.proof)) != nil
                }
                if proven && at == new && !steps.isEmpty { return .consistent(steps.count, source.name) }
            case .inconsistent(let prefix, let proof):
                guard prefix != old.root, let p = SHA256Digest(bytes: prefix),
                      (try? ConsistencyProof.verify(oldSize: old.size, newSize: new.size, oldRoot: p, newRoot: newRoot, proof: proof)) != nil else { continue }
                return .inconsistent(prefix, source.name)
            }
        }
        return nil
    }
}

/// Consistency files (`export --consistency`) as evidence: their checkpoints,
/// and paths of their proofs.
public struct ConsistencyFiles: LogEvidence {
    public let name: String
    let files: [ConsistencyBundle]
    /// Each file as (old head, new head, proof), when its checkpoints parse.
    let edges: [(from: TreeHead, to: TreeHead, proof: [SHA256Digest])]

    public init(name: String, files: [ConsistencyBundle]) {
        self.name = name
        self.files = files
        edges = files.compactMap { f in
            guard let old = try? Checkpoint(body: SignedNote(parsing: f.oldCheckpoint).text),
                  let new = try? Checkpoint(body: SignedNote(parsing: f.newCheckpoint).text) else { return nil }
            let proof = f.proof.compactMap { SHA256Digest(bytes: $0) }
            guard proof.count == f.proof.count else { return nil }
            return (TreeHead(size: old.size, root: old.rootHash), TreeHead(size: new.size, root: new.rootHash), proof)
        }
    }

    public func checkpointNotes() -> [String] { files.flatMap { [$0.oldCheckpoint, $0.newCheckpoint] } }

    public func relate(_ old: TreeHead, _ new: TreeHead) -> LogRelation {
        if let direct = edges.first(where: { $0.to == new && $0.from.size == old.size && $0.from.root != old.root }) {
            return .inconsistent(prefixRoot: direct.from.root, proof: direct.proof)
        }
        // Breadth first from `old` over files whose older head is the current one.
        var previous: [TreeHead: (from: TreeHead, to: TreeHead, proof: [SHA256Digest])] = [:]
        var frontier = [old]
        var seen: Set<TreeHead> = [old]
        while !frontier.isEmpty && previous[new] == nil {
            var next: [TreeHead] = []
            for head in frontier {
                for edge in edges where edge.from == head && edge.to.size <= new.size && !seen.contains(edge.to) {
                    seen.insert(edge.to)
                    previous[edge.to] = edge
                    next.append(edge.to)
                }
            }
            frontier = next
        }
        guard previous[new] != nil else { return .unknown }
        var steps: [(from: TreeHead, to: TreeHead, proof: [SHA256Digest])] = []
        var at = new
        while at != old, let edge = previous[at] {
            steps.insert(edge, at: 0)
            at = edge.from
        }
        return .consistent(steps)
    }
}
