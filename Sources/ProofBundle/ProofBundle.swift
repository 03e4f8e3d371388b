import Codecs
import JSON
import Vitals

/// Everything needed to check one reading (or one access event) without
/// trusting the gateway: entry → leaf → inclusion proof → signed checkpoint
/// → anchor transaction → txout proof → block. Its JSON form is documented in
/// docs/proof-bundle.md.
public struct ProofBundle: Sendable {
    /// What the leaf holds.
    public enum Entry: Sendable, Equatable {
        /// A reading (bundle member `reading`).
        case reading(Reading)
        /// An access event (bundle member `event`; docs/audit.md). Always salted.
        case event(AccessEvent)
    }

    /// What `export` writes: format 2 names the leaf's version and, for a
    /// salted (version 2) leaf, carries its salt.
    public static let format = "vitalgate-proof-bundle/2"
    /// Bundles exported before leaves were salted: always version 1 leaves,
    /// no `leaf_version`, no `salt`. `verify` still reads them.
    public static let format1 = "vitalgate-proof-bundle/1"

    public struct Anchor: Sendable, Equatable {
        public var txid: String
        public var blockHash: String
        public var blockHeight: Int64
        public var confirmations: Int64
        public var rawTx: [UInt8]
        public var txoutProof: [UInt8]
        public init(txid: String, blockHash: String, blockHeight: Int64, confirmations: Int64, rawTx: [UInt8], txoutProof: [UInt8]) {
            self.txid = txid
            self.blockHash = blockHash
            self.blockHeight = blockHeight
            self.confirmations = confirmations
            self.rawTx = rawTx
            self.txoutProof = txoutProof
        }
    }

    public var entry: Entry
    /// The bundle's reading. Precondition: a reading's bundle (`entry`).
    public var reading: Reading {
        get {
            guard case .reading(let r) = entry else { preconditionFailure("an access event's bundle has no reading") }
            return r
        }
        set { entry = .reading(newValue) }
    }
    /// The leaf's secret salt (`ReadingLeaf`), disclosed in this bundle only;
    /// nil for a version 1 leaf.
    public var salt: [UInt8]?
    public var leaf: [UInt8]
    public var leafIndex: UInt64
    public var treeSize: UInt64
    public var inclusion: [[UInt8]]
    public var checkpoint: String
    public var gatewayPublicKey: [UInt8]
    public var anchor: Anchor
    /// The gateway's key rotations, oldest first: each names the next key and
    /// is signed by the one before (docs/security.md). Empty until the
    /// provisioned key is first rotated.
    public var keyChain: [KeyChainLink]

    /// The leaf's version: 2 when it is salted.
    public var leafVersion: Int { salt == nil ? 1 : 2 }

    public init(reading: Reading, salt: [UInt8]?, leaf: [UInt8], leafIndex: UInt64, treeSize: UInt64, inclusion: [[UInt8]],
                checkpoint: String, gatewayPublicKey: [UInt8], anchor: Anchor, keyChain: [KeyChainLink] = []) {
        self.init(entry: .reading(reading), salt: salt, leaf: leaf, leafIndex: leafIndex, treeSize: treeSize, inclusion: inclusion,
                  checkpoint: checkpoint, gatewayPublicKey: gatewayPublicKey, anchor: anchor, keyChain: keyChain)
    }

    public init(entry: Entry, salt: [UInt8]?, leaf: [UInt8], leafIndex: UInt64, treeSize: UInt64, inclusion: [[UInt8]],
                checkpoint: String, gatewayPublicKey: [UInt8], anchor: Anchor, keyChain: [KeyChainLink] = []) {
        self.entry = entry
        self.salt = salt
        self.leaf = leaf
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.inclusion = inclusion
        self.checkpoint = checkpoint
        self.gatewayPublicKey = gatewayPublicKey
        self.anchor = anchor
        self.keyChain = keyChain
    }

    public var json: JSONValue {
        var head: [(key: String, value: JSONValue)] = [
            (key: "format", value: .string(Self.format)),
            (key: "leaf_version", value: .int(leafVersion)),
        ]
        switch entry {
        case .reading(let r): head.append((key: "reading", value: r.json))
        case .event(let e): head.append((key: "event", value: e.json))
        }
        if let salt { head.append((key: "salt", value: .string(Hex.encode(salt)))) }
        return .object(JSONObject(head + [(key: "leaf", value: .string(Hex.encode(leaf)))]
            + Self.proofMembers(leafIndex: leafIndex, treeSize: treeSize, inclusion: inclusion, checkpoint: checkpoint,
                                gatewayPublicKey: gatewayPublicKey, anchor: anchor, keyChain: keyChain)))
    }

    /// Everything after the payload: the same in a full and a pruned bundle.
    static func proofMembers(leafIndex: UInt64, treeSize: UInt64, inclusion: [[UInt8]], checkpoint: String, gatewayPublicKey: [UInt8],
                             anchor: Anchor, keyChain: [KeyChainLink]) -> [(key: String, value: JSONValue)] {
        [
            (key: "leaf_index", value: .int(leafIndex)),
            (key: "tree_size", value: .int(treeSize)),
            (key: "inclusion", value: .array(inclusion.map { .string(Hex.encode($0)) })),
            (key: "checkpoint", value: .string(checkpoint)),
            (key: "gateway_public_key", value: .string(Hex.encode(gatewayPublicKey))),
            (key: "anchor", value: .object(JSONObject([
                (key: "txid", value: .string(anchor.txid)),
                (key: "block_hash", value: .string(anchor.blockHash)),
                (key: "block_height", value: .int(anchor.blockHeight)),
                (key: "confirmations", value: .int(anchor.confirmations)),
                (key: "raw_tx", value: .string(Hex.encode(anchor.rawTx))),
                (key: "txout_proof", value: .string(Hex.encode(anchor.txoutProof))),
            ]))),
            (key: "key_chain", value: .array(keyChain.map(\.json))),
        ]
    }
}
