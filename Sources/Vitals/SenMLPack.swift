import JSON

/// A reading sent as SenML JSON (RFC 8428): an array of records whose
/// resolved names are `<device-id>/<metric>`, plus records named
/// `<device-id>/seq` and, optionally, `<device-id>/boot`, all at one time.
///
///     [{"bn":"ox-001/","bt":1764072000.123,"n":"spo2","u":"%","v":97},
///      {"n":"hr","u":"/min","v":72},{"n":"seq","v":17}]
///
/// Base fields resolve as RFC 8428 section 4.5 says: name = bn + n, time =
/// bt + t, value = bv + v, unit = u or else bu, each base field applying
/// from its record on. A resolved time below 2^28 is relative to now
/// (section 4.5.3). The pack becomes the same flat members a JSON reading
/// has, and goes through the same checks (`PayloadFields`).
struct SenMLPack {
    let device: String
    let profile: DeviceProfile
    let records: [JSONValue]

    func reject(_ reason: RejectionReason, _ detail: String) -> Rejection {
        Rejection(reason: reason, detail: detail, device: device)
    }

    func reading(nowMillis: Int64, policy: ValidationPolicy) throws(Rejection) -> Reading {
        var base = SenMLBase()
        var members: [(key: String, value: JSONValue)] = [(key: "device", value: .string(device))]
        var time: ExactDecimal?
        var seen: Set<String> = []
        for (i, value) in records.enumerated() {
            guard case .object(let record) = value else { throw reject(.notAnObject, "payload must be a JSON object, or a SenML array of record objects (record \(i) is not)") }
            let r = try SenMLRecord(record, index: i, base: &base, device: device)
            guard let key = r.key else { continue }  // a record that only sets base fields
            guard seen.insert(key).inserted else { throw reject(.unexpectedField, "SenML name \(key) appears twice") }
            if let previous = time, previous != r.time {
                throw reject(.invalidTimestamp, "SenML records of one reading must share one time")
            }
            time = r.time
            // A base unit (bu) applies to every later record (section 4.5), so seq and boot may
            // carry one; only metrics' units mean something here.
            if let spec = profile.metric(key), let unit = r.unit, !UnitAliases.matches(unit, profileUnit: spec.unit) {
                throw reject(.unitMismatch, "\(key) unit differs from the profile's \(spec.unit)")
            }
            members.append((key: key, value: .number(JSONNumber(r.value))))
        }
        let ts = try Self.milliseconds(time ?? ExactDecimal(0), nowMillis: nowMillis, reject)
        members.append((key: "ts", value: .int(ts)))
        do throws(Rejection) {
            var fields = PayloadFields(device: device, profile: profile)
            for m in members { try fields.take(m.key, m.value) }
            return try fields.reading(nowMillis: nowMillis, policy: policy)
        } catch {
            let named = Reading.identity(boot: members.first { $0.key == "boot" }?.value, seq: members.first { $0.key == "seq" }?.value)
            throw error.about(boot: named.boot, seq: named.seq)
        }
    }

    /// Seconds (RFC 8428 time) to ms since the epoch; times below 2^28 are relative to now.
    static func milliseconds(_ seconds: ExactDecimal, nowMillis: Int64, _ reject: (RejectionReason, String) -> Rejection) throws(Rejection) -> Int64 {
        guard let ms = DecimalArithmetic.scaledToInteger(seconds, by: 3) else {
            throw reject(.invalidTimestamp, "SenML time must be in seconds with at most millisecond precision")
        }
        let relative = seconds < ExactDecimal(1 << 28)
        let (sum, overflow) = nowMillis.addingReportingOverflow(ms)
        guard !relative || !overflow else { throw reject(.invalidTimestamp, "SenML time is out of range") }
        return relative ? sum : ms
    }
}
