import Foundation
import JSON
import Testing
import Vitals

/// A seeded mutation fuzzer over the payload decoder (JSON and SenML): at
/// least 1,000,000 inputs derived from the corpus in Tests/VitalsTests/Corpus.
/// Every input must come back as a reading that round-trips through its
/// canonical encoding, or as a rejection with a reason and a detail; none may
/// crash or hang. Reproduce a failure with its seed and iteration number.
@Suite struct DecoderFuzzTests {
    static let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")
    static let iterations = 1_000_000
    static let seed: UInt64 = 0x5eed_0f_7a11_9a7e

    @Test func millionMutatedPayloadsNeverCrashTheDecoder() throws {
        let corpus = try FileManager.default.contentsOfDirectory(atPath: Self.corpusDirectory.path).sorted()
            .map { Array(try Data(contentsOf: Self.corpusDirectory.appendingPathComponent($0))) }
        #expect(corpus.count >= 10)
        let validator = ReadingValidator(policy: ValidationPolicy())
        var mutator = PayloadMutator(seed: Self.seed, corpus: corpus)
        var accepted = 0, rejected: [RejectionReason: Int] = [:]
        for i in 0..<Self.iterations {
            let input = mutator.next()
            let result = input.withUnsafeBytes {
                validator.validate(topic: "vitals/ox-001", payload: $0, nowMillis: ReadingValidatorTests.now, device: ReadingValidatorTests.registry)
            }
            switch result {
            case .success(let reading):
                accepted += 1
                let leaf = reading.canonicalEncoding()
                guard (try? Reading(canonicalEncoding: leaf)) == reading else {
                    Issue.record("iteration \(i): accepted reading does not round-trip: \(String(decoding: input, as: UTF8.self))")
                    return
                }
            case .failure(let r):
                rejected[r.reason, default: 0] += 1
                guard !r.detail.isEmpty else {
                    Issue.record("iteration \(i): rejection without detail")
                    return
                }
            }
        }
        // The mutator reaches both outcomes and many distinct reasons, or it is not exploring.
        #expect(accepted > 1000)
        #expect(rejected.count >= 12, "reasons reached: \(rejected.keys.map(\.rawValue).sorted())")
    }
}

/// Deterministic mutations: bit flips, byte and token insertions, deletions,
/// duplications, truncations and splices of corpus entries.
struct PayloadMutator {
    var state: UInt64
    let corpus: [[UInt8]]
    static let tokens: [[UInt8]] = ["{", "}", "[", "]", "\"", ",", ":", "-", "0", "1e999", "-0", "NaN", "Infinity", "null", "true",
                                    "\\u0000", "\\ud800", "\u{FEFF}", "\"seq\":", "\"boot\":", "\"n\":\"ox-001/hr\",\"v\":", "9007199254740993",
                                    "0.0000000000000000001", "\u{10FFFF}"].map { Array($0.utf8) } + [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x00]]

    init(seed: UInt64, corpus: [[UInt8]]) {
        state = seed
        self.corpus = corpus
    }

    /// SplitMix64.
    mutating func random() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(random() % UInt64(n)) }

    mutating func next() -> [UInt8] {
        var bytes = corpus[below(corpus.count)]
        for _ in 0...below(4) {
            let at = below(bytes.count + 1)
            switch below(8) {
            case 0 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] ^= UInt8(1 << below(8))
            case 1: bytes.insert(UInt8(truncatingIfNeeded: random()), at: at)
            case 2 where !bytes.isEmpty: bytes.remove(at: min(at, bytes.count - 1))
            case 3: bytes.insert(contentsOf: Self.tokens[below(Self.tokens.count)], at: at)
            case 4: bytes = Array(bytes.prefix(at))
            case 5:
                let other = corpus[below(corpus.count)]
                bytes = Array(bytes.prefix(at)) + other.suffix(below(other.count + 1))
            case 6 where bytes.count > 1:
                let end = at + below(bytes.count - min(at, bytes.count - 1))
                let chunk = Array(bytes[min(at, bytes.count - 1)..<min(end, bytes.count)])
                bytes.insert(contentsOf: chunk, at: min(end, bytes.count))
            default:
                // Replace a digit run's digit: numbers are where ranges and overflow live.
                let digits = bytes.indices.filter { (48...57).contains(bytes[$0]) }
                if !digits.isEmpty { bytes[digits[below(digits.count)]] = UInt8(48 + below(10)) }
            }
        }
        return bytes
    }
}
