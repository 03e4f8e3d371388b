import JSON
@testable import ProofBundle
import Sodium
import Testing
import Vitals

/// Bundle formats 1 and 2 (docs/proof-bundle.md): what `export` writes now,
/// what it wrote before salted leaves, and the reading step for both leaf
/// versions.
@Suite struct BundleFormatTests {
    static let reading = Reading(device: "th-1", boot: 0, seq: 1, ts: 1, metrics: [(key: "temp", value: ExactDecimal(text: "36.6")!)])
    static let salt = [UInt8](repeating: 0x3C, count: ReadingLeaf.saltByteCount)

    static func bundle(salt: [UInt8]?) -> ProofBundle {
        let leaf = salt.map { ReadingLeaf(reading: reading, salt: $0) } ?? ReadingLeaf(version1: reading)
        return ProofBundle(reading: reading, salt: salt, leaf: leaf.bytes, leafIndex: 0, treeSize: 1, inclusion: [],
                           checkpoint: "c", gatewayPublicKey: [UInt8](repeating: 1, count: 32),
                           anchor: .init(txid: "t", blockHash: "b", blockHeight: 1, confirmations: 1, rawTx: [1], txoutProof: [2]))
    }

    /// Replaces the value of member `key`.
    static func set(_ o: inout JSONObject, _ key: String, _ value: JSONValue) {
        guard let i = o.members.firstIndex(where: { $0.key == key }) else { preconditionFailure("no member \(key)") }
        o.members[i].value = value
    }

    static var verifier: BundleVerifier { BundleVerifier(ed25519: { _, _, _ in false }) }

    @Test func format2CarriesTheLeafVersionAndSaltAndRoundTrips() throws {
        let json = Self.bundle(salt: Self.salt).json
        #expect(json["format"]?.string == "vitalgate-proof-bundle/2")
        #expect(json["leaf_version"]?.int64 == 2)
        #expect(json["salt"]?.string == String(repeating: "3c", count: 16))
        let parsed = try ProofBundle(json: JSONParser.parse(json.serialized()))
        #expect(parsed.salt == Self.salt && parsed.leafVersion == 2)
        #expect(Self.verifier.checkReading(parsed).passed)

        let v1 = Self.bundle(salt: nil).json
        #expect(v1["leaf_version"]?.int64 == 1 && v1["salt"] == nil)
        #expect(Self.verifier.checkReading(try ProofBundle(json: v1)).passed)
    }

    /// A bundle exported before salting (format 1) still parses and its reading step passes.
    @Test func format1BundlesStillRead() throws {
        var old = Self.bundle(salt: nil).json.object!
        old.members.removeAll { $0.key == "leaf_version" }
        Self.set(&old, "format", "vitalgate-proof-bundle/1")
        let parsed = try ProofBundle(json: .object(old))
        #expect(parsed.salt == nil)
        #expect(Self.verifier.checkReading(parsed).passed)
    }

    /// Every way the version and the salt can disagree is refused, at parsing or at the reading step.
    @Test func versionAndSaltMustAgree() throws {
        func edited(_ salt: [UInt8]?, _ edit: (inout JSONObject) -> Void) -> JSONValue {
            var o = Self.bundle(salt: salt).json.object!
            edit(&o)
            return .object(o)
        }
        let refused: [JSONValue] = [
            edited(Self.salt) { Self.set(&$0, "leaf_version", 1) },                        // salt with version 1
            edited(nil) { Self.set(&$0, "leaf_version", 2) },                               // version 2 without salt
            edited(Self.salt) { Self.set(&$0, "leaf_version", 3) },
            edited(Self.salt) { Self.set(&$0, "salt", .string(String(repeating: "3c", count: 15))) },
            edited(Self.salt) { Self.set(&$0, "format", "vitalgate-proof-bundle/1") },      // format 1 has no salt
            edited(nil) { Self.set(&$0, "format", "vitalgate-proof-bundle/3") },
        ]
        for json in refused { #expect(throws: ProofBundle.FormatError.self) { try ProofBundle(json: json) } }

        // Well-formed but not the leaf: another salt, or the unsalted encoding under a salt.
        var wrongSalt = Self.bundle(salt: Self.salt)
        wrongSalt.salt![0] ^= 1
        #expect(!Self.verifier.checkReading(wrongSalt).passed)
        var unsaltedLeaf = Self.bundle(salt: Self.salt)
        unsaltedLeaf.leaf = Self.reading.canonicalEncoding()
        #expect(!Self.verifier.checkReading(unsaltedLeaf).passed)
        var droppedSalt = Self.bundle(salt: Self.salt)
        droppedSalt.salt = nil
        #expect(!Self.verifier.checkReading(droppedSalt).passed)
    }
}
