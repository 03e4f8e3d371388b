import Codecs
import JSON
import SHA2
import Testing
import Vitals

/// Salted leaves (version 2, docs/encoding.md): the worked examples byte for
/// byte, the salt's place among the keys, strict reading of both versions,
/// and that no device can supply a salt.
@Suite struct ReadingLeafTests {
    static let salt = Array(0..<16).map(UInt8.init)
    static let oximeterLeaf = #"{"boot":0,"device":"ox-001","hr":72,"salt":"000102030405060708090a0b0c0d0e0f","seq":17,"spo2":97,"ts":1764072000123}"#
    /// `printf '\x00…' | sha256sum` (docs/encoding.md).
    static let oximeterLeafHash = "e28fc66eb28331617b2bc736fd886a7a538a2974f91d9bdd7919c509cf6fbbe5"

    @Test func oximeterExampleMatchesTheDocument() throws {
        let leaf = ReadingLeaf(reading: CanonicalEncodingTests.oximeter, salt: Self.salt)
        #expect(leaf.version == 2)
        #expect(String(decoding: leaf.bytes, as: UTF8.self) == Self.oximeterLeaf)
        #expect(try ReadingLeaf(bytes: leaf.bytes) == leaf)
        #expect(SHA256.hash([0] + leaf.bytes).hex == Self.oximeterLeafHash)
    }

    @Test func decimalExampleMatchesTheDocument() throws {
        let reading = Reading(device: "therm-7", boot: 2, seq: 4051, ts: 1_764_072_000_123,
                              metrics: [("temp", try #require(ExactDecimal(text: "36.6")))])
        let leaf = ReadingLeaf(reading: reading, salt: try #require(Hex.decode("f0e1d2c3b4a5968778695a4b3c2d1e0f")))
        let text = #"{"boot":2,"device":"therm-7","salt":"f0e1d2c3b4a5968778695a4b3c2d1e0f","seq":4051,"temp":36.6,"ts":1764072000123}"#
        #expect(String(decoding: leaf.bytes, as: UTF8.self) == text)
        #expect(SHA256.hash([0] + leaf.bytes).hex == "2ec796a912178993bdc98b745d98b78086d9dae78f3a22515a9aa628492dc1b3")
    }

    /// `salt` sorts among metric keys too: "rr" < "salt" < "sat" < "seq" < "spo2".
    @Test func saltSortsBytewiseAmongMetricKeys() throws {
        let reading = Reading(device: "w1", boot: 1, seq: 2, ts: 3,
                              metrics: [("spo2", ExactDecimal(95)), ("sat", ExactDecimal(1)), ("rr", ExactDecimal(12)), ("sa", ExactDecimal(4))])
        let leaf = ReadingLeaf(reading: reading, salt: [UInt8](repeating: 0xAB, count: 16))
        let text = #"{"boot":1,"device":"w1","rr":12,"sa":4,"salt":"abababababababababababababababab","sat":1,"seq":2,"spo2":95,"ts":3}"#
        #expect(String(decoding: leaf.bytes, as: UTF8.self) == text)
        #expect(try ReadingLeaf(bytes: Array(text.utf8)) == leaf)
    }

    /// Version 1 leaves, as logs written before salting hold them, still read;
    /// the version 1 decoder refuses a salted leaf, so neither passes for the other.
    @Test func bothVersionsReadAndNeitherPassesForTheOther() throws {
        let v1 = CanonicalEncodingTests.oximeter.canonicalEncoding()
        let old = try ReadingLeaf(bytes: v1)
        #expect(old.version == 1 && old.salt == nil && old.reading == CanonicalEncodingTests.oximeter)
        #expect(old.bytes == v1)
        #expect(ReadingLeaf(version1: CanonicalEncodingTests.oximeter).bytes == v1)
        #expect(throws: ReadingDecodingError.self) { try Reading(canonicalEncoding: Array(Self.oximeterLeaf.utf8)) }
        #expect(ReadingLeaf(reading: CanonicalEncodingTests.oximeter, salt: Self.salt) != old)
    }

    @Test(arguments: [
        #"{"boot":0,"device":"ox-001","hr":72,"salt":"000102030405060708090A0B0C0D0E0F","seq":17,"spo2":97,"ts":1764072000123}"#, // upper case
        #"{"boot":0,"device":"ox-001","hr":72,"salt":"000102030405060708090a0b0c0d0e","seq":17,"spo2":97,"ts":1764072000123}"#,   // 15 bytes
        #"{"boot":0,"device":"ox-001","hr":72,"salt":"000102030405060708090a0b0c0d0e0f00","seq":17,"spo2":97,"ts":1}"#,           // 17 bytes
        #"{"boot":0,"device":"ox-001","hr":72,"salt":0,"seq":17,"spo2":97,"ts":1764072000123}"#,                                     // not a string
        #"{"boot":0,"device":"ox-001","hr":72,"seq":17,"salt":"000102030405060708090a0b0c0d0e0f","spo2":97,"ts":1764072000123}"#, // key order
        #"{"boot":0,"device":"ox-001","hr":72,"salt":"000102030405060708090a0b0c0d0e0f","salt":"000102030405060708090a0b0c0d0e0f","seq":17,"spo2":97,"ts":1}"#,
    ])
    func rejectsNonCanonicalSalts(text: String) {
        #expect(throws: ReadingDecodingError.self) { try ReadingLeaf(bytes: Array(text.utf8)) }
    }

    /// A device cannot choose its leaf's salt: `salt` is reserved in payloads
    /// and is never a metric key, so no profile can declare it.
    @Test func noDeviceCanSupplyASalt() {
        #expect(!Identifier.isMetricKey("salt"))
        #expect(Identifier.reservedKeys.contains("salt"))
    }

    @Test func everySingleBitFlipIsRejectedOrChangesTheLeaf() {
        let leaf = ReadingLeaf(reading: CanonicalEncodingTests.oximeter, salt: Self.salt)
        let bytes = leaf.bytes
        for i in bytes.indices {
            for bit in 0..<8 {
                var mutated = bytes
                mutated[i] ^= 1 << bit
                if let decoded = try? ReadingLeaf(bytes: mutated) {
                    #expect(decoded != leaf)
                    #expect(decoded.bytes == mutated)
                }
            }
        }
    }
}
