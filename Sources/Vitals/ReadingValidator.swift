import JSON

/// Turns one MQTT message into a `Reading` or a `Rejection`.
///
/// Checks run cheapest first: topic, size, enrolment, then a single parse
/// of the payload and one pass over its members. The first problem found
/// is reported; members are examined in document order.
public struct ReadingValidator: Sendable {
    public let policy: ValidationPolicy

    public init(policy: ValidationPolicy = .init()) {
        self.policy = policy
    }

    /// Validates a message received on `topic` (the full MQTT topic,
    /// `vitals/<device-id>`) with body `payload`, at gateway time `nowMillis`
    /// (ms since the Unix epoch); `device` reports a device ID's enrolment.
    public func validate(topic: String, payload: UnsafeRawBufferPointer, nowMillis: Int64, device: (String) -> DeviceStatus) -> Result<Reading, Rejection> {
        do throws(Rejection) {
            return .success(try check(topic: topic, payload: payload, nowMillis: nowMillis, device: device))
        } catch {
            return .failure(error)
        }
    }

    /// The topic prefix for readings; the rest of the topic is the device ID.
    public static let topicPrefix = "vitals/"

    /// The device ID in `topic`, or nil if the topic is not `vitals/<device-id>`.
    public static func deviceID(inTopic topic: String) -> String? {
        guard topic.utf8.starts(with: topicPrefix.utf8) else { return nil }
        let id = String(topic.utf8.dropFirst(topicPrefix.utf8.count))!
        return Identifier.isDeviceID(id) ? id : nil
    }

    func check(topic: String, payload: UnsafeRawBufferPointer, nowMillis: Int64, device lookUp: (String) -> DeviceStatus) throws(Rejection) -> Reading {
        guard let id = Self.deviceID(inTopic: topic) else {
            throw Rejection(reason: .badTopic, detail: "topic must be vitals/<device-id>, device-id matching [A-Za-z0-9][A-Za-z0-9._-]{0,63}", device: nil)
        }
        guard payload.count <= policy.maxPayloadBytes else {
            throw Rejection(reason: .payloadTooLarge, detail: "payload of \(payload.count) bytes exceeds the \(policy.maxPayloadBytes)-byte limit", device: id)
        }
        let profile: DeviceProfile
        switch lookUp(id) {
        case .unknown: throw Rejection(reason: .unknownDevice, detail: "device is not enrolled", device: id)
        case .revoked: throw Rejection(reason: .revokedDevice, detail: "device enrolment has been revoked", device: id)
        case .enrolled(let p): profile = p
        }
        let value = try parse(payload, device: id)
        if case .array(let records) = value {
            return try SenMLPack(device: id, profile: profile, records: records).reading(nowMillis: nowMillis, policy: policy)
        }
        guard case .object(let object) = value else {
            throw Rejection(reason: .notAnObject, detail: "payload must be a JSON object (or a SenML array)", device: id)
        }
        do throws(Rejection) {
            var fields = PayloadFields(device: id, profile: profile)
            for member in object.members {
                try fields.take(member.key, member.value)
            }
            return try fields.reading(nowMillis: nowMillis, policy: policy)
        } catch {
            // Only a rejection needs boot and seq read on their own: they let it name the
            // reading, so the device can be told it may drop it.
            let named = Reading.identity(boot: object["boot"], seq: object["seq"])
            throw error.about(boot: named.boot, seq: named.seq)
        }
    }

    func parse(_ payload: UnsafeRawBufferPointer, device id: String) throws(Rejection) -> JSONValue {
        var limits = JSONParser.Limits()
        limits.maxBytes = policy.maxPayloadBytes
        // A reading is one flat object (or a SenML array of flat records); a
        // little nesting is parsed so that `"hr":[72]` is a wrong type, not bad JSON.
        limits.maxDepth = 4
        let value: JSONValue
        do {
            value = try JSONParser.parse(payload, limits: limits)
        } catch {
            let reason: RejectionReason = error.kind == .invalidUTF8 ? .invalidUTF8 : .invalidJSON
            throw Rejection(reason: reason, detail: error.description, device: id)
        }
        return value
    }
}

/// Limits applied to every incoming message.
public struct ValidationPolicy: Sendable {
    /// Longest accepted payload; a reading is well under 1 KiB.
    public var maxPayloadBytes = 4096
    /// How far `ts` may run ahead of the gateway clock (device clock drift).
    public var maxFutureSkewMillis: Int64 = 5 * 60_000
    /// How far `ts` may lag the gateway clock (a device buffering while offline).
    public var maxPastSkewMillis: Int64 = 7 * 86_400_000
    public init() {}
}

/// A refused message. `detail` is logged and stored, so it names fields,
/// limits and ranges but never quotes a measurement value or the payload.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: RejectionReason
    /// A sentence a person can act on, e.g. `spo2 outside plausible range [50, 100] %`.
    public let detail: String
    /// The device ID from the topic, when the topic had a valid one.
    public let device: String?
    /// The message's `boot` and `seq`, when they could be read: the agent
    /// then tells the device it may forget that reading (end-to-end ack).
    public let boot: UInt32?
    public let seq: UInt64?

    public init(reason: RejectionReason, detail: String, device: String?, boot: UInt32? = nil, seq: UInt64? = nil) {
        self.reason = reason
        self.detail = detail
        self.device = device
        self.boot = boot
        self.seq = seq
    }

    /// The same rejection, naming the reading it refused.
    public func about(boot: UInt32?, seq: UInt64?) -> Rejection {
        Rejection(reason: reason, detail: detail, device: device, boot: self.boot ?? boot, seq: self.seq ?? seq)
    }

    public var description: String {
        "\(reason.rawValue)\(device.map { " from \($0)" } ?? ""): \(detail)"
    }
}

/// Why a message was not accepted. The raw values are stable: they are
/// stored in the rejections table and appear in logs and exports.
public enum RejectionReason: String, Sendable, CaseIterable {
    // Table-like data (duplicates): each reason's stable code, stored and exported: raw values, not logic.
    /// Payload longer than `ValidationPolicy.maxPayloadBytes`.
    case payloadTooLarge = "payload_too_large"
    /// Payload is not well-formed UTF-8.
    case invalidUTF8 = "invalid_utf8"
    /// Payload is UTF-8 but not strict RFC 8259 JSON (including duplicate keys).
    case invalidJSON = "invalid_json"
    /// Payload is JSON but not an object.
    case notAnObject = "not_an_object"
    /// Topic is not `vitals/<device-id>`.
    case badTopic = "bad_topic"
    /// `device`, `seq` or `ts` is absent.
    case missingField = "missing_field"
    /// A member that can never be a metric: a reserved name (`type`, `v`) or
    /// a name outside the metric-key syntax.
    case unexpectedField = "unexpected_field"
    /// A field or metric of the wrong JSON type (e.g. `"seq":"17"`).
    case wrongType = "wrong_type"
    /// `seq` is not an integer in 0...2^53-1.
    case invalidSeq = "invalid_seq"
    /// `boot` is not an integer in 0...2^32-1.
    case invalidBoot = "invalid_boot"
    /// `ts` is not a 64-bit integer.
    case invalidTimestamp = "invalid_ts"
    /// `ts` is too far ahead of or behind the gateway clock.
    case timestampOutOfWindow = "ts_out_of_window"
    /// The topic's device is not enrolled.
    case unknownDevice = "unknown_device"
    /// The topic's device was enrolled and has been revoked.
    case revokedDevice = "revoked_device"
    /// The payload's `device` differs from the topic's.
    case deviceMismatch = "device_mismatch"
    /// A well-formed metric key that the device's profile does not list.
    case unknownMetric = "unknown_metric"
    /// A unit that differs from the profile's. Readings carry no units today
    /// (the profile fixes them), so the validator never returns this; it is
    /// kept so stored rejection codes stay stable if payloads ever do.
    case unitMismatch = "unit_mismatch"
    /// A metric outside its profile's plausible range, or not representable exactly.
    case outOfRange = "out_of_range"
    /// A metric the profile marks required is absent.
    case missingMetric = "missing_metric"
    /// The payload has no metrics at all.
    case noMetrics = "no_metrics"
    /// Decided by the store: the same `(device, boot, seq)` with identical content was already accepted.
    case duplicate = "duplicate"
    /// Decided by the store: the same `(device, boot, seq)` was accepted with different content.
    case conflict = "conflict"
}
