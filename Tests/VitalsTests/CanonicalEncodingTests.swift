import Codecs
import JSON
import Testing
import Vitals

/// The worked examples of docs/encoding.md, byte for byte, and the
/// strictness of the inverse.
@Suite struct CanonicalEncodingTests {
    static let oximeter = Reading(device: "ox-001", boot: 0, seq: 17, ts: 1_764_072_000_123,
                                  metrics: [("spo2", ExactDecimal(97)), ("hr", ExactDecimal(72))])
    static let oximeterLeaf = #"{"boot":0,"device":"ox-001","hr":72,"seq":17,"spo2":97,"ts":1764072000123}"#
    /// `printf '%s' "$oximeterLeaf" | xxd -p` (docs/encoding.md).
    static let oximeterLeafHex = "7b22626f6f74223a302c22646576696365223a226f782d303031222c226872223a37322c"
        + "22736571223a31372c2273706f32223a39372c227473223a313736343037323030303132337d"

    @Test func oximeterExampleMatchesTheDocument() throws {
        let bytes = Self.oximeter.canonicalEncoding()
        #expect(String(decoding: bytes, as: UTF8.self) == Self.oximeterLeaf)
        #expect(Hex.encode(bytes) == Self.oximeterLeafHex)
        #expect(try Reading(canonicalEncoding: bytes) == Self.oximeter)
    }

    @Test func decimalExampleMatchesTheDocument() throws {
        let reading = Reading(device: "therm-7", boot: 2, seq: 4051, ts: 1_764_072_000_123,
                              metrics: [("temp", try #require(ExactDecimal(text: "36.60")))])
        let text = #"{"boot":2,"device":"therm-7","seq":4051,"temp":36.6,"ts":1764072000123}"#
        #expect(String(decoding: reading.canonicalEncoding(), as: UTF8.self) == text)
        #expect(try Reading(canonicalEncoding: Array(text.utf8)) == reading)
    }

    /// Metric keys sort among the fixed keys: before `boot`, between, and after `ts`.
    @Test func metricKeysInterleaveWithFixedKeysBytewise() throws {
        let reading = Reading(device: "w1", boot: 4294967295, seq: 9_007_199_254_740_991, ts: -5,
                              metrics: [("zz", ExactDecimal(mantissa: -5, exponent: -2)), ("a", ExactDecimal(1200)), ("rr", ExactDecimal(0)), ("t_2", ExactDecimal(1))])
        let text = #"{"a":1200,"boot":4294967295,"device":"w1","rr":0,"seq":9007199254740991,"t_2":1,"ts":-5,"zz":-0.05}"#
        #expect(String(decoding: reading.canonicalEncoding(), as: UTF8.self) == text)
        #expect(try Reading(canonicalEncoding: Array(text.utf8)) == reading)
        #expect(reading.metrics.map(\.key) == ["a", "rr", "t_2", "zz"])
    }

    /// Same reading, other spellings: all rejected so a reading has one leaf.
    @Test(arguments: [
        #"{"device":"ox-001","boot":0,"hr":72,"seq":17,"spo2":97,"ts":1764072000123}"#,   // key order
        #"{"boot":0, "device":"ox-001","hr":72,"seq":17,"spo2":97,"ts":1764072000123}"#,  // whitespace
        #"{"boot":0,"device":"ox-001","hr":72.0,"seq":17,"spo2":97,"ts":1764072000123}"#, // 72.0
        #"{"boot":0,"device":"ox-001","hr":7.2e1,"seq":17,"spo2":97,"ts":1764072000123}"#,
        #"{"boot":0,"device":"ox-00\u0031","hr":72,"seq":17,"spo2":97,"ts":1764072000123}"#, // escape
        #"{"device":"ox-001","hr":72,"seq":17,"spo2":97,"ts":1764072000123}"#,            // boot omitted
        #"{"boot":0,"device":"ox-001","hr":72,"seq":17,"spo2":97,"ts":1764072000123}\#n"#, // trailing newline
        #"{"boot":0,"device":"ox-001","seq":17,"ts":1764072000123}"#,                      // no metrics
        #"{"boot":0,"device":"ox-001","hr":72,"seq":9007199254740992,"spo2":97,"ts":1}"#,  // seq > 2^53-1
        #"{"boot":4294967296,"device":"ox-001","hr":72,"seq":17,"spo2":97,"ts":1}"#,       // boot > 2^32-1
        #"{"boot":0,"device":"ox 001","hr":72,"seq":17,"spo2":97,"ts":1}"#,                // bad device ID
        #"{"Hr":72,"boot":0,"device":"ox-001","seq":17,"ts":1}"#,                          // bad metric key
        #"{"boot":0,"device":"ox-001","hr":"72","seq":17,"ts":1}"#,                        // string value
        #"{"boot":0,"device":"ox-001","hr":72,"seq":17,"ts":1,"type":1}"#,                 // reserved key
        #"[]"#,
    ])
    func rejectsNonCanonical(text: String) {
        #expect(throws: ReadingDecodingError.self) { try Reading(canonicalEncoding: Array(text.utf8)) }
    }

    @Test func everySingleBitFlipIsRejectedOrChangesTheReading() {
        let bytes = Self.oximeter.canonicalEncoding()
        for i in bytes.indices {
            for bit in 0..<8 {
                var mutated = bytes
                mutated[i] ^= 1 << bit
                if let decoded = try? Reading(canonicalEncoding: mutated) {
                    #expect(decoded != Self.oximeter)
                    #expect(decoded.canonicalEncoding() == mutated)
                }
            }
        }
        #expect(throws: ReadingDecodingError.self) { try Reading(canonicalEncoding: Array(bytes.dropLast())) }
    }

    @Test func jsonFormRoundTripsAndNestsMetrics() throws {
        let json = Self.oximeter.json
        #expect(json.serialized() == #"{"device":"ox-001","boot":0,"seq":17,"ts":1764072000123,"metrics":{"hr":72,"spo2":97}}"#)
        #expect(try Reading(json: json) == Self.oximeter)
        let reordered = try JSONParser.parse(#"{"metrics":{"spo2":97.0,"hr":72},"ts":1764072000123,"seq":17,"boot":0,"device":"ox-001"}"#)
        #expect(try Reading(json: reordered) == Self.oximeter)
    }

    @Test(arguments: [
        #"{"device":"ox-001","seq":17,"ts":1,"metrics":{"hr":72}}"#,                       // boot missing
        #"{"device":"ox-001","boot":0,"seq":17,"ts":1,"metrics":{"hr":72},"extra":1}"#,
        #"{"device":"ox-001","boot":0,"seq":17,"ts":1,"metrics":{}}"#,
        #"{"device":"ox-001","boot":0,"seq":17,"ts":1,"metrics":{"seq":1}}"#,
        #"{"device":"ox-001","boot":0,"seq":-1,"ts":1,"metrics":{"hr":72}}"#,
        #"{"device":"ox-001","boot":0,"seq":17,"ts":1.5,"metrics":{"hr":72}}"#,
        #"{"device":"ox-001","boot":0,"seq":17,"ts":1,"metrics":[72]}"#,
    ])
    func jsonFormRejectsMalformed(text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(throws: ReadingDecodingError.self) { try Reading(json: value) }
    }

    @Test func equalityComparesMetrics() {
        let other = Reading(device: "ox-001", boot: 0, seq: 17, ts: 1_764_072_000_123,
                            metrics: [("spo2", ExactDecimal(96)), ("hr", ExactDecimal(72))])
        #expect(other != Self.oximeter)
        #expect(Self.oximeter.value(of: "spo2") == ExactDecimal(97))
    }
}
