import JSON
import Testing

/// The ingest path parses every MQTT payload; this guards against an
/// accidental complexity regression (the release target is about 1 µs per
/// 120-byte reading). The bound is generous: best of several batches, with
/// a wider margin in debug builds where the optimizer is off.
@Suite struct ParserSpeedTests {
    @Test func typicalReadingParsesQuickly() throws {
        let payload = Array(#"{"device":"ox-001","boot":3,"seq":17,"ts":1764072000123,"spo2":97,"hr":72,"pi":4.25}"#.utf8)
        let iterations = 2_000
        var best = Duration.seconds(1)
        let clock = ContinuousClock()
        for _ in 0..<5 {
            let elapsed = try payload.withUnsafeBytes { raw in
                try clock.measure {
                    for _ in 0..<iterations { _ = try JSONParser.parse(raw) }
                }
            }
            best = min(best, elapsed)
        }
        let perParse = best / iterations
        #if DEBUG
        let bound = Duration.microseconds(200)
        #else
        let bound = Duration.microseconds(10)
        #endif
        #expect(perParse < bound, "one parse took \(perParse)")
    }
}
