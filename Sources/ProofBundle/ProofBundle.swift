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

    // Table-like data (duplicates): the public memberwise init (Swift makes only an internal one): one assignment a property, no logic.
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

extension ProofBundle {
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads a bundle from its JSON form; every field must be present and well-formed.
    public init(json: JSONValue) throws {
        guard let root = json.object else { throw FormatError("the bundle is not a JSON object") }
        let format = root["format"]?.string
        guard format == Self.format || format == Self.format1 else {
            throw FormatError("`format` is neither \(Self.format) nor \(Self.format1)")
        }
        func hex(_ value: JSONValue?, _ name: String) throws -> [UInt8] {
            guard let text = value?.string, let bytes = Hex.decode(text) else { throw FormatError("`\(name)` is not hex") }
            return bytes
        }
        func int(_ value: JSONValue?, _ name: String) throws -> Int64 {
            guard let n = value?.int64 else { throw FormatError("`\(name)` is not an integer") }
            return n
        }
        if PrunedBundle.isPruned(json) {
            throw FormatError("this bundle carries no reading: the gateway pruned its payload (docs/storage.md); give the reading with `--reading FILE` (its leaf, or the clinic's FHIR Observation)")
        }
        switch (root["reading"], root["event"]) {
        case (let readingJSON?, nil):
            do { entry = .reading(try Reading(json: readingJSON)) } catch { throw FormatError("`reading`: \(error)") }
        case (nil, let eventJSON?):
            // Access events came after salting: always leaf version 2 (docs/audit.md).
            guard format == Self.format, root["leaf_version"]?.int64 == 2 else {
                throw FormatError("an access event's bundle is \(Self.format) with `leaf_version` 2")
            }
            do { entry = .event(try AccessEvent(json: eventJSON)) } catch { throw FormatError("`event`: \(error)") }
        case (nil, nil): throw FormatError("`reading` is missing")
        case (_?, _?): throw FormatError("a bundle holds a `reading` or an `event`, not both")
        }
        if format == Self.format1 {
            // Written before leaves were salted: its leaf is version 1.
            guard root["leaf_version"] == nil, root["salt"] == nil else { throw FormatError("a \(Self.format1) bundle has no `leaf_version` or `salt`") }
            salt = nil
        } else {
            switch root["leaf_version"]?.int64 {
            case 1:
                guard root["salt"] == nil else { throw FormatError("a version 1 leaf has no `salt`") }
                salt = nil
            case 2:
                let bytes = try hex(root["salt"], "salt")
                guard bytes.count == ReadingLeaf.saltByteCount else { throw FormatError("`salt` is not \(ReadingLeaf.saltByteCount) bytes") }
                salt = bytes
            default:
                throw FormatError("`leaf_version` is not 1 or 2")
            }
        }
        leaf = try hex(root["leaf"], "leaf")
        let index = try int(root["leaf_index"], "leaf_index")
        let size = try int(root["tree_size"], "tree_size")
        guard index >= 0, size > index else { throw FormatError("`leaf_index` must be below `tree_size`") }
        leafIndex = UInt64(index)
        treeSize = UInt64(size)
        guard let path = root["inclusion"]?.array else { throw FormatError("`inclusion` is not an array") }
        inclusion = try path.enumerated().map { try hex($1, "inclusion[\($0)]") }
        guard let note = root["checkpoint"]?.string else { throw FormatError("`checkpoint` is not a string") }
        checkpoint = note
        gatewayPublicKey = try hex(root["gateway_public_key"], "gateway_public_key")
        guard let a = root["anchor"]?.object else { throw FormatError("`anchor` is not an object") }
        guard let txid = a["txid"]?.string, let blockHash = a["block_hash"]?.string else {
            throw FormatError("`anchor.txid` and `anchor.block_hash` must be strings")
        }
        anchor = Anchor(txid: txid, blockHash: blockHash,
                        blockHeight: try int(a["block_height"], "anchor.block_height"),
                        confirmations: try int(a["confirmations"], "anchor.confirmations"),
                        rawTx: try hex(a["raw_tx"], "anchor.raw_tx"),
                        txoutProof: try hex(a["txout_proof"], "anchor.txout_proof"))
        // Optional: bundles of a gateway that never rotated its key may omit it.
        keyChain = try KeyChainLink.parse(root["key_chain"])
    }
}
