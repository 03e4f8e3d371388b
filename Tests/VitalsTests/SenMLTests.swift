import JSON
import Testing
import Vitals

/// SenML JSON (RFC 8428) readings map onto the same profile metrics.
@Suite struct SenMLTests {
    typealias V = ReadingValidatorTests

    @Test func resolvesBaseFieldsAsSection4_5Says() throws {
        // bn + n, bt + t, bv + v (for every record, seq too: 90 - 73 = 17), bu when u is absent.
        let r = try V.validate(#"[{"bn":"ox-001/","bt":1764072000,"bu":"%","bv":90,"n":"spo2","t":0.123,"v":7},{"n":"hr","u":"beat/min","v":-18,"t":0.123},{"n":"seq","v":-73,"t":0.123}]"#).get()
        #expect(r == Reading(device: "ox-001", boot: 0, seq: 17, ts: V.now, metrics: [("hr", ExactDecimal(72)), ("spo2", ExactDecimal(97))]))
    }

    @Test func equalsTheJSONFormOfTheSameReading() throws {
        let senml = try V.validate(#"[{"bn":"ox-001/","bt":1764072000.123,"n":"spo2","u":"%","v":97},{"n":"hr","u":"/min","v":72},{"n":"seq","v":17},{"n":"boot","v":3}]"#).get()
        let json = try V.validate(#"{"device":"ox-001","boot":3,"seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#).get()
        #expect(senml == json)
        #expect(senml.canonicalEncoding() == json.canonicalEncoding())
    }

    @Test func relativeTimesAreRelativeToNow() throws {
        // Section 4.5.3: a resolved time below 2^28 is relative to now; -1.5 is 1.5 s ago.
        let r = try V.validate(#"[{"bn":"ox-001/","bt":-1.5,"n":"spo2","v":97},{"n":"hr","v":72},{"n":"seq","v":1}]"#).get()
        #expect(r.ts == V.now - 1500)
        let absent = try V.validate(#"[{"n":"ox-001/spo2","v":97},{"n":"ox-001/hr","v":72},{"n":"ox-001/seq","v":2}]"#).get()
        #expect(absent.ts == V.now)
    }

    @Test(arguments: [
        (#"[{"bn":"ox-001/","n":"spo2","u":"Cel","v":97},{"n":"hr","v":72},{"n":"seq","v":1}]"#, RejectionReason.unitMismatch),
        (#"[{"bn":"ox-001/","bu":"mmHg","n":"spo2","v":97},{"n":"hr","v":72},{"n":"seq","v":1}]"#, .unitMismatch),
        (#"[{"bn":"ox-002/","n":"spo2","v":97},{"n":"hr","v":72},{"n":"seq","v":1}]"#, .deviceMismatch),
        (#"[{"n":"spo2","v":97},{"n":"hr","v":72},{"n":"seq","v":1}]"#, .unexpectedField),
        (#"[{"bn":"ox-001/","n":"spo2","v":97,"t":1764072000},{"n":"hr","v":72,"t":1764072001},{"n":"seq","v":1}]"#, .invalidTimestamp),
        (#"[{"bn":"ox-001/","bt":1764072000.0001,"n":"spo2","v":97},{"n":"hr","v":72},{"n":"seq","v":1}]"#, .invalidTimestamp),
        (#"[{"bn":"ox-001/","n":"spo2","v":97},{"n":"hr","v":72}]"#, .missingField),
        (#"[{"bn":"ox-001/","n":"spo2","vs":"97"},{"n":"hr","v":72},{"n":"seq","v":1}]"#, .wrongType),
        (#"[{"bn":"ox-001/","n":"spo2","v":97},{"n":"hr","v":72},{"n":"seq","v":1},{"n":"spo2","v":98}]"#, .unexpectedField),
        (#"[{"bn":"ox-001/","n":"spo2","v":97,"foo_":1},{"n":"hr","v":72},{"n":"seq","v":1}]"#, .unexpectedField),
        (#"[{"bver":11,"bn":"ox-001/","n":"spo2","v":97},{"n":"hr","v":72},{"n":"seq","v":1}]"#, .unexpectedField),
        (#"[{"bn":"ox-001/","n":"spo2","v":197},{"n":"hr","v":72},{"n":"seq","v":1}]"#, .outOfRange),
        (#"[{"bn":"ox-001/","n":"glucose","v":5},{"n":"spo2","v":97},{"n":"hr","v":72},{"n":"seq","v":1}]"#, .unknownMetric),
        (#"[{"bn":"ox-001/","n":"seq","v":-1},{"n":"spo2","v":97},{"n":"hr","v":72}]"#, .invalidSeq),
        (#"[1,2]"#, .notAnObject),
        (#"[]"#, .missingField),
    ])
    func rejects(_ payload: String, _ reason: RejectionReason) {
        guard case .failure(let rejection) = V.validate(payload) else {
            Issue.record("accepted: \(payload)")
            return
        }
        #expect(rejection.reason == reason, "\(payload): \(rejection)")
    }

    @Test func ignoresUnknownFieldsThatNeedNotBeUnderstood() throws {
        // Section 4.4: only labels ending in "_" must be understood.
        let r = try V.validate(#"[{"bn":"ox-001/","n":"spo2","v":97,"note":"x"},{"n":"hr","v":72},{"n":"seq","v":1}]"#).get()
        #expect(r == Reading(device: "ox-001", boot: 0, seq: 1, ts: V.now, metrics: [("hr", ExactDecimal(72)), ("spo2", ExactDecimal(97))]))
    }

    @Test func rejectionsNameTheReadingSoItCanBeAcknowledged() {
        guard case .failure(let r) = V.validate(#"[{"bn":"ox-001/","n":"spo2","v":197},{"n":"hr","v":72},{"n":"seq","v":42},{"n":"boot","v":2}]"#) else {
            Issue.record("accepted")
            return
        }
        #expect(r.seq == 42)
        #expect(r.boot == 2)
        guard case .failure(let j) = V.validate(#"{"device":"ox-001","spo2":197,"hr":72,"seq":43,"ts":1764072000123}"#) else {
            Issue.record("accepted")
            return
        }
        #expect(j.seq == 43)
        #expect(j.boot == 0)
    }
}
