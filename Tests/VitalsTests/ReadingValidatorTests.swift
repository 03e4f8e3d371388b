import JSON
import Testing
import Vitals

@Suite struct ReadingValidatorTests {
    static let now: Int64 = 1_764_072_000_123
    static let oximeter = try! DeviceProfile(name: "pulse-oximeter", description: "test", metrics: [
        MetricSpec(key: "spo2", loinc: "2708-6", display: "Oxygen saturation in Arterial blood", unit: "%", min: ExactDecimal(50), max: ExactDecimal(100), required: true),
        MetricSpec(key: "hr", loinc: "8867-4", display: "Heart rate", unit: "/min", min: ExactDecimal(20), max: ExactDecimal(300), required: true),
        MetricSpec(key: "pi", loinc: "61006-3", display: "Perfusion index", unit: "%", min: ExactDecimal(0), max: ExactDecimal(20), required: false),
    ])

    static func registry(_ id: String) -> DeviceStatus {
        switch id {
        case "ox-001": .enrolled(oximeter)
        case "ox-old": .revoked
        default: .unknown
        }
    }

    static func validate(_ payload: String, topic: String = "vitals/ox-001", policy: ValidationPolicy = .init()) -> Result<Reading, Rejection> {
        validate(bytes: Array(payload.utf8), topic: topic, policy: policy)
    }

    static func validate(bytes: [UInt8], topic: String = "vitals/ox-001", policy: ValidationPolicy = .init()) -> Result<Reading, Rejection> {
        bytes.withUnsafeBytes { ReadingValidator(policy: policy).validate(topic: topic, payload: $0, nowMillis: now, device: registry) }
    }

    @Test func acceptsTheBriefsExample() throws {
        let reading = try Self.validate(#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#).get()
        #expect(reading == Reading(device: "ox-001", boot: 0, seq: 17, ts: Self.now, metrics: [("hr", ExactDecimal(72)), ("spo2", ExactDecimal(97))]))
        #expect(reading.metrics.map(\.key) == ["hr", "spo2"])
    }

    @Test func acceptsBootOptionalMetricsAndRangeEdges() throws {
        let reading = try Self.validate(#"{"hr":20,"spo2":100.0,"pi":0.45,"boot":4294967295,"ts":1763467200123,"seq":9007199254740991,"device":"ox-001"}"#).get()
        #expect(reading.boot == UInt32.max)
        #expect(reading.seq == Reading.maxSeq)
        #expect(reading.value(of: "pi") == ExactDecimal(mantissa: 45, exponent: -2))
        #expect(reading.value(of: "spo2") == ExactDecimal(100))
    }

    /// Each row: payload and the reason it must be rejected with.
    @Test(arguments: [
        ("[1]", RejectionReason.notAnObject),
        (#"{"device":"ox-001","seq":17"#, .invalidJSON),
        (#"{"device":"ox-001","device":"ox-001","seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#, .invalidJSON),
        (#"{"seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#, .missingField),
        (#"{"device":"ox-001","ts":1764072000123,"spo2":97,"hr":72}"#, .missingField),
        (#"{"device":"ox-001","seq":17,"spo2":97,"hr":72}"#, .missingField),
        (#"{"device":"ox-002","seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#, .deviceMismatch),
        (#"{"device":1,"seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#, .wrongType),
        (#"{"device":"ox-001","seq":"17","ts":1764072000123,"spo2":97,"hr":72}"#, .wrongType),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":"97","hr":72}"#, .wrongType),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":[97],"hr":72}"#, .wrongType),
        (#"{"device":"ox-001","seq":-1,"ts":1764072000123,"spo2":97,"hr":72}"#, .invalidSeq),
        (#"{"device":"ox-001","seq":1.5,"ts":1764072000123,"spo2":97,"hr":72}"#, .invalidSeq),
        (#"{"device":"ox-001","seq":9007199254740992,"ts":1764072000123,"spo2":97,"hr":72}"#, .invalidSeq),
        (#"{"device":"ox-001","boot":4294967296,"seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#, .invalidBoot),
        (#"{"device":"ox-001","boot":-1,"seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#, .invalidBoot),
        (#"{"device":"ox-001","seq":17,"ts":1.764072e12,"spo2":97,"hr":72}"#, .invalidTimestamp),
        (#"{"device":"ox-001","seq":17,"ts":99999999999999999999,"spo2":97,"hr":72}"#, .invalidTimestamp),
        (#"{"device":"ox-001","seq":17,"ts":1764072300124,"spo2":97,"hr":72}"#, .timestampOutOfWindow),
        (#"{"device":"ox-001","seq":17,"ts":1763467200122,"spo2":97,"hr":72}"#, .timestampOutOfWindow),
        (#"{"device":"ox-001","seq":17,"ts":-9223372036854775808,"spo2":97,"hr":72}"#, .timestampOutOfWindow),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"type":"x","spo2":97,"hr":72}"#, .unexpectedField),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"salt":"000102030405060708090a0b0c0d0e0f","spo2":97,"hr":72}"#, .unexpectedField),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"v":1,"spo2":97,"hr":72}"#, .unexpectedField),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"SpO2":97,"hr":72}"#, .unexpectedField),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97,"hr":72,"temp":36.6}"#, .unknownMetric),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":101,"hr":72}"#, .outOfRange),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":49.99,"hr":72}"#, .outOfRange),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97.0000000000000000001,"hr":72}"#, .outOfRange),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97}"#, .missingMetric),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123,"pi":1}"#, .missingMetric),
        (#"{"device":"ox-001","seq":17,"ts":1764072000123}"#, .noMetrics),
    ])
    func rejects(payload: String, reason: RejectionReason) {
        guard case .failure(let rejection) = Self.validate(payload) else {
            Issue.record("accepted \(payload)")
            return
        }
        #expect(rejection.reason == reason, "\(rejection)")
        #expect(rejection.device == "ox-001")
        #expect(!rejection.detail.isEmpty)
    }

    @Test(arguments: [
        ("vitals/ox-old", RejectionReason.revokedDevice, "ox-old" as String?),
        ("vitals/ox-999", .unknownDevice, "ox-999"),
        ("vitals/", .badTopic, nil),
        ("vitals/ox-001/extra", .badTopic, nil),
        ("vitals/-x", .badTopic, nil),
        ("vital/ox-001", .badTopic, nil),
        ("ox-001", .badTopic, nil),
    ])
    func topicAndEnrolment(topic: String, reason: RejectionReason, device: String?) {
        let result = Self.validate(#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#, topic: topic)
        guard case .failure(let rejection) = result else {
            Issue.record("accepted on \(topic)")
            return
        }
        #expect(rejection.reason == reason)
        #expect(rejection.device == device)
    }

    @Test func payloadSizeAndEncodingChecks() {
        var policy = ValidationPolicy()
        policy.maxPayloadBytes = 64
        let long = #"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#
        #expect(Self.validate(long, policy: policy).rejectionReason == .payloadTooLarge)
        #expect(Self.validate(bytes: Array(#"{"device":"ox-001","x":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)).rejectionReason == .invalidUTF8)
        #expect(Self.validate("").rejectionReason == .invalidJSON)
    }

    /// Details are stored and logged: they must name the rule, never the value.
    @Test func detailsNeverQuoteValuesOrPayload() {
        let cases = [
            #"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":43.21,"hr":72}"#,
            #"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97,"hr":987654}"#,
            #"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":"43.21","hr":72}"#,
            #"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97,"hr":72,"secretname":43.21}"#,
            #"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97,"hr":72,"Secret Name":43.21}"#,
            #"{"device":"ox-4321","seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#,
            #"{"device":"ox-001","seq":17,"ts":4321432143214321,"spo2":97,"hr":72}"#,
        ]
        for payload in cases {
            guard case .failure(let rejection) = Self.validate(payload) else {
                Issue.record("accepted \(payload)")
                continue
            }
            for secret in ["43.21", "987654", "Secret", "4321", payload] {
                #expect(!rejection.detail.contains(secret), "\(rejection.detail)")
            }
        }
        let rejection = Self.validate(#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":43.21,"hr":72}"#).rejection
        #expect(rejection?.detail == "spo2 outside plausible range [50, 100] %")
    }

    @Test func reasonCodesAreStable() {
        #expect(RejectionReason.allCases.count == 22)
        #expect(Set(RejectionReason.allCases.map(\.rawValue)).count == 22)
        #expect(RejectionReason.timestampOutOfWindow.rawValue == "ts_out_of_window")
        #expect(RejectionReason.invalidTimestamp.rawValue == "invalid_ts")
    }
}

extension Result where Failure == Rejection {
    var rejection: Rejection? {
        if case .failure(let r) = self { return r }
        return nil
    }

    var rejectionReason: RejectionReason? { rejection?.reason }
}

@Suite struct ProfileExpectedIntervalTests {
    @Test func anExpectedIntervalIsReadWhenGivenAndCheckedForSense() throws {
        let base = #"{"profile":"p","description":"d","metrics":[{"key":"hr","loinc":"8867-4","display":"Heart rate","unit":"/min","min":20,"max":300,"required":true}]"#
        #expect(try DeviceProfile.parse(Array((base + "}").utf8)).expectedIntervalSeconds == nil)
        #expect(try DeviceProfile.parse(Array((base + #","expected_interval":60}"#).utf8)).expectedIntervalSeconds == 60)
        for bad in [#","expected_interval":0}"#, #","expected_interval":1.5}"#, #","expected_interval":"60"}"#] {
            #expect(throws: ProfileError.self) { try DeviceProfile.parse(Array((base + bad).utf8)) }
        }
    }
}
