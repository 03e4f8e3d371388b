import JSON
import Testing
import Vitals

/// The validator runs once per MQTT message. Guards against complexity
/// regressions (release build: about 2 µs for a pulse-oximeter reading on
/// the development machine); best of several batches, wide debug margin.
@Suite struct ValidatorSpeedTests {
    @Test func typicalReadingValidatesQuickly() throws {
        let profile = ReadingValidatorTests.oximeter
        let payload = Array(#"{"device":"ox-001","boot":3,"seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#.utf8)
        let validator = ReadingValidator(policy: .init())
        let iterations = 1_000
        var best = Duration.seconds(1)
        var accepted = 0
        for _ in 0..<5 {
            let elapsed = payload.withUnsafeBytes { raw in
                ContinuousClock().measure {
                    for _ in 0..<iterations {
                        let result = validator.validate(topic: "vitals/ox-001", payload: raw, nowMillis: 1_764_072_000_123) { _ in .enrolled(profile) }
                        if case .success = result { accepted += 1 }
                    }
                }
            }
            best = min(best, elapsed)
        }
        #expect(accepted == 5 * iterations)
        #if DEBUG
        let bound = Duration.microseconds(400)
        #else
        let bound = Duration.microseconds(20)
        #endif
        #expect(best / iterations < bound, "one validation took \(best / iterations)")
    }
}
