/// Why a message was not accepted. The raw values are stable: they are
/// stored in the rejections table and appear in logs and exports.
public enum RejectionReason: String, Sendable, CaseIterable {
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
