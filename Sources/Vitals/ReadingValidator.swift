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
