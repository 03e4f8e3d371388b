import Codecs
import JSON
import Vitals

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
