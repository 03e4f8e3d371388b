import SQLiteStore
import Vitals

/// One enrolled (or revoked) device, as `device list` shows it.
public struct DeviceRecord: Sendable, Equatable {
    public let id: String
    public let profile: String
    public let status: String
    public let enrolledAt: Int64
    public let revokedAt: Int64?
    /// Its patient as stored: sealed (open it with `PatientCipher`), or in the
    /// clear in a database an earlier release made and nothing has sealed yet.
    public let patient: StoredPatient?
    public let lastSeen: Int64?
    public let readings: Int64
    /// Whether the broker password file has an entry for it.
    public let hasBrokerCredentials: Bool
    /// Its rejected messages still in the bounded rejection record.
    public let rejectionsRecorded: Int64
}

/// Profiles and devices in the database. Profiles are copied in from
/// `Devices/` at provisioning, so the agent never reads files on the hot path
/// and a device keeps the profile it was enrolled with.
public struct DeviceTable {
    let db: Database

    public init(_ db: Database) { self.db = db }

    /// Stores (or replaces) a profile. The JSON is parsed first, so only valid profiles get in.
    public func importProfile(json: [UInt8]) throws -> DeviceProfile {
        let profile = try DeviceProfile.parse(json)
        try db.cachedStatement("INSERT INTO profiles(name, json) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET json = excluded.json")
            .run(.text(profile.name), .blob(json))
        return profile
    }

    /// Whether `id` has a row (enrolled or revoked): one index lookup.
    public func exists(_ id: String) throws -> Bool {
        let st = try db.cachedStatement("SELECT 1 FROM devices WHERE id = ?")
        defer { st.reset() }
        try st.bind(.text(id))
        return try st.step()
    }

    public func profileNames() throws -> [String] {
        try db.prepare("SELECT name FROM profiles ORDER BY name").rows { $0.text(0) ?? "" }
    }

    /// Enrols `id`. `brokerLine` is its mosquitto password-file line (a hash).
    /// `patient` is sealed to the database's patient key (see `PatientAssignments.assign`).
    public func add(id: String, profile: String, patient: String?, brokerLine: String?, at millis: Int64) throws {
        let profiles = try profileNames()
        guard profiles.contains(profile) else {
            throw StoreError("no profile `\(profile)`; known profiles: \(profiles.joined(separator: ", "))")
        }
        if try db.scalar("SELECT COUNT(*) FROM devices WHERE id = ?", .text(id)) > 0 {
            throw StoreError("device `\(id)` is already enrolled (see `vitalgate device list`)")
        }
        let sealed = try patient.map { SQLiteValue.blob(try PatientAssignments.sealer(db).seal($0, device: id)) } ?? .null
        try db.cachedStatement("INSERT INTO devices(id, profile, status, enrolled_at, patient, broker_line) VALUES (?, ?, 'enrolled', ?, ?, ?)")
            .run(.text(id), .text(profile), .integer(millis), sealed, SQLiteValue(brokerLine))
    }

    /// Revokes `id` and forgets its broker credentials.
    public func revoke(id: String, at millis: Int64) throws {
        try db.cachedStatement("UPDATE devices SET status = 'revoked', revoked_at = ?, broker_line = NULL WHERE id = ? AND status = 'enrolled'")
            .run(.integer(millis), .text(id))
        if db.changes == 0 { throw StoreError("no enrolled device `\(id)`") }
    }

    public func list() throws -> [DeviceRecord] {
        try records(where: "1", [])
    }

    /// One device, or nil if it was never enrolled.
    public func show(id: String) throws -> DeviceRecord? {
        try records(where: "d.id = ?", [.text(id)]).first
    }

    private func records(where condition: String, _ arguments: [SQLiteValue]) throws -> [DeviceRecord] {
        // Readings are not indexed by device (docs/storage.md), so they are counted in one pass.
        let st = try db.prepare("""
            WITH held AS MATERIALIZED (SELECT device, COUNT(*) AS n FROM readings GROUP BY device)
            SELECT d.id, d.profile, d.status, d.enrolled_at, d.revoked_at, d.patient, d.last_seen,
                   COALESCE((SELECT n FROM held WHERE held.device = d.id), 0), d.broker_line IS NOT NULL,
                   (SELECT COUNT(*) FROM rejections j WHERE j.device = d.id)
            FROM devices d WHERE \(condition) ORDER BY d.id
            """)
        try st.bind(arguments)
        var result: [DeviceRecord] = []
        while try st.step() {
            result.append(DeviceRecord(id: st.text(0) ?? "", profile: st.text(1) ?? "", status: st.text(2) ?? "",
                                       enrolledAt: st.int64(3), revokedAt: st.isNull(4) ? nil : st.int64(4),
                                       patient: try StoredPatient.from(st.value(5)), lastSeen: st.isNull(6) ? nil : st.int64(6), readings: st.int64(7),
                                       hasBrokerCredentials: st.int64(8) != 0, rejectionsRecorded: st.int64(9)))
        }
        return result
    }

    /// Every device with what the validator needs to know of it.
    public func statuses() throws -> [String: DeviceStatus] {
        var profiles: [String: DeviceProfile] = [:]
        for (name, json) in try db.prepare("SELECT name, json FROM profiles").rows(map: { ($0.text(0) ?? "", $0.blob(1) ?? []) }) {
            profiles[name] = try DeviceProfile.parse(json)
        }
        var result: [String: DeviceStatus] = [:]
        for (id, profile, status) in try db.prepare("SELECT id, profile, status FROM devices").rows(map: { ($0.text(0) ?? "", $0.text(1) ?? "", $0.text(2) ?? "") }) {
            if status == "revoked" {
                result[id] = .revoked
            } else if let p = profiles[profile] {
                result[id] = .enrolled(p)
            }
        }
        return result
    }
}
