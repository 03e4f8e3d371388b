import Codecs
import JSON
import Merkle
import Vitals

/// The proof bundle of a reading whose payload the gateway has pruned
/// (docs/proof-bundle.md, "Pruned readings"). The log keeps the reading's
/// leaf hash, so everything but the payload is exported: `reading`, `salt`,
/// `leaf` and `leaf_version` are left out, `leaf_hash` and
/// `"payload": "pruned"` say so. Whoever holds the reading (the clinic
/// received its leaf, salt included, in each Observation) supplies it as a
/// reading file (`ReadingFile`); `completing` puts it back, and the bundle
/// then verifies step by step like any other.
public enum PrunedBundle {
    public static func json(leafHash: [UInt8], leafIndex: UInt64, treeSize: UInt64, inclusion: [[UInt8]], checkpoint: String,
                            gatewayPublicKey: [UInt8], anchor: ProofBundle.Anchor, keyChain: [KeyChainLink]) -> JSONValue {
        .object(JSONObject([
            (key: "format", value: .string(ProofBundle.format)),
            (key: "payload", value: .string("pruned")),
            (key: "leaf_hash", value: .string(Hex.encode(leafHash))),
        ] + ProofBundle.proofMembers(leafIndex: leafIndex, treeSize: treeSize, inclusion: inclusion, checkpoint: checkpoint,
                                     gatewayPublicKey: gatewayPublicKey, anchor: anchor, keyChain: keyChain)))
    }

    /// Whether `json` is a bundle without its payload.
    public static func isPruned(_ json: JSONValue) -> Bool { json["payload"]?.string == "pruned" }

    /// The complete bundle: `pruned` with the reading put back from `leaf`
    /// (the exact leaf bytes). Throws, saying why, unless the leaf parses
    /// (docs/encoding.md) and hashes to the bundle's `leaf_hash`: another
    /// reading's leaf never completes a bundle.
    public static func completing(_ pruned: JSONValue, leaf: [UInt8]) throws -> JSONValue {
        guard var object = pruned.object, isPruned(pruned) else { throw ProofBundle.FormatError("the bundle is not a pruned bundle") }
        guard let expected = object["leaf_hash"]?.string.flatMap(Hex.decode), expected.count == 32 else {
            throw ProofBundle.FormatError("`leaf_hash` is not 32 bytes of hex")
        }
        let decoded: ReadingLeaf
        do { decoded = try ReadingLeaf(bytes: leaf) } catch {
            throw ProofBundle.FormatError("the reading file does not hold a reading's leaf (docs/encoding.md): \(error)")
        }
        let hash = RFC9162.hashLeaf(leaf)
        guard hash.bytes == expected else {
            throw ProofBundle.FormatError("the reading file holds another reading: its leaf hashes to \(hash.hex), this bundle proves leaf \(Hex.encode(expected)) (\(decoded.reading.device) seq \(decoded.reading.seq) is not the reading this bundle is for)")
        }
        var payload: [(key: String, value: JSONValue)] = [
            (key: "leaf_version", value: .int(decoded.version)),
            (key: "reading", value: decoded.reading.json),
        ]
        if let salt = decoded.salt { payload.append((key: "salt", value: .string(Hex.encode(salt)))) }
        payload.append((key: "leaf", value: .string(Hex.encode(leaf))))
        object.members.removeAll { ["payload", "leaf_hash"].contains($0.key) }
        object.members.insert(contentsOf: payload, at: 1)
        return .object(object)
    }
}

/// A reading file: how the holder of a reading hands it to `verify --reading`
/// and `export --reading` (docs/proof-bundle.md, "Reading files"). Either
///
/// - the leaf itself: the reading's canonical JSON with its salt, exactly as
///   `base64 -d` gives it from an Observation's `urn:vitalgate:leaf-data`
///   extension (one trailing newline is tolerated: a leaf never ends in one); or
/// - a FHIR R4 Observation (JSON) the clinic received, which carries that extension.
public enum ReadingFile {
    public static let leafDataExtension = "urn:vitalgate:leaf-data"

    public static func leaf(from bytes: [UInt8]) throws -> [UInt8] {
        var leaf = bytes
        if leaf.last == 0x0A { leaf.removeLast() }
        if (try? ReadingLeaf(bytes: leaf)) != nil { return leaf }
        guard let json = try? JSONParser.parse(String(decoding: bytes, as: UTF8.self)), let object = json.object else {
            throw ProofBundle.FormatError("the reading file is neither a reading's leaf (canonical JSON, docs/encoding.md) nor a FHIR Observation")
        }
        guard object["resourceType"]?.string == "Observation" else {
            throw ProofBundle.FormatError("the reading file is JSON but neither a reading's canonical leaf nor a FHIR Observation (resourceType is `\(object["resourceType"]?.string ?? "none")`)")
        }
        let data = object["extension"]?.array?.first { $0["url"]?.string == leafDataExtension }?["valueBase64Binary"]?.string
        guard let text = data, let decoded = Base64.decode(text) else {
            throw ProofBundle.FormatError("the Observation has no \(leafDataExtension) extension with base64 leaf data")
        }
        do { _ = try ReadingLeaf(bytes: decoded) } catch {
            throw ProofBundle.FormatError("the Observation's \(leafDataExtension) is not a reading's leaf: \(error)")
        }
        return decoded
    }
}
