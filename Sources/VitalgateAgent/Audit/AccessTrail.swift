#if canImport(Glibc)
import Glibc
#endif
import JSON
import Merkle
import ProofBundle
import SHA2
import SQLiteStore
import Sodium

/// The access trail (docs/audit.md): every export, delivery, enrolment,
/// assignment, revocation and configuration change becomes a leaf of the
/// log, next to the readings.
///
/// Two steps, because the log has one writer. Whoever causes an event (a
/// command, the delivery thread, the agent at start) *records* it: one row
/// of `audit_pending`, in the same transaction as what it records where
/// there is one. Whoever holds the log *appends* pending rows in order as
/// leaves: the agent's ingest thread, which keeps the log's compact range in
/// memory (so no other process may add a leaf while it runs), or
/// `rotate-key`, which holds `agent.lock` and so the log. An event recorded
/// while no agent runs waits in `audit_pending` until the agent starts.
///
/// A pending row is sealed to the gateway's patient key (`PatientSealer`, a
/// public key in `meta`, so writers need no secret; a database made before
/// patient sealing has none yet and keeps the row in the clear until then):
/// events can name patients. A leaf is sealed at rest like a reading
/// (`LeafCipher`, bound to its index), with its secret salt inside.
public enum AccessTrail {
    /// What a pending row's sealed message starts with, so it cannot pass for a patient reference.
    static let domain = Array("vitalgate-audit/1\n".utf8)

    /// Records `draft` as pending. Run inside the transaction of the change it records, if any.
    public static func record(_ draft: AccessEventDraft, in db: Database) throws {
        var message = domain + draft.bytes
        defer { sodiumZero(&message) }
        let stored: SQLiteValue
        if let sealer = try PatientSealer.recorded(in: db) {
            stored = .blob(sealer.publicKey.seal(message))
        } else {
            stored = .text(String(decoding: draft.bytes, as: UTF8.self))
        }
        try db.cachedStatement("INSERT INTO audit_pending(event, created_at) VALUES (?, ?)").run(stored, .integer(draft.ts))
    }

    /// Who is running this process, for an event's `actor`: the login name of
    /// the effective user, and the user `sudo` ran it for.
    public static func actor(environment: [String: String]) -> String {
        let uid = geteuid()
        var name = "uid \(uid)"
        if let entry = getpwuid(uid), let cName = entry.pointee.pw_name { name = String(cString: cName) }
        if let sudo = environment["SUDO_USER"], !sudo.isEmpty, sudo != name { return "\(name) (sudo by \(sudo))" }
        return name
    }

    /// `url` without `user:password@`, for an event's details.
    public static func withoutCredentials(_ url: String) -> String {
        let b = Array(url.utf8)
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")), b.count > colon + 2,
              b[colon + 1] == UInt8(ascii: "/"), b[colon + 2] == UInt8(ascii: "/") else { return url }
        let start = colon + 3
        let end = b[start...].firstIndex(of: UInt8(ascii: "/")) ?? b.count
        guard let at = b[start..<end].lastIndex(of: UInt8(ascii: "@")) else { return url }
        return String(decoding: b[..<start] + b[(at + 1)...], as: UTF8.self)
    }

    /// Whether anything waits to be appended (one index lookup).
    static func hasPending(_ db: Database) throws -> Bool {
        try db.scalar("SELECT EXISTS(SELECT 1 FROM audit_pending)") != 0
    }

    /// Appends up to `limit` pending events, oldest first, as leaves after
    /// `range`, and removes them from `audit_pending`. Precondition: inside an
    /// immediate transaction of the log's only writer. On a throw the caller
    /// rolls back and restores `range`.
    /// - Parameters:
    ///   - cipher: seals each leaf at rest, at its index.
    ///   - opener: opens sealed pending rows (the patient key pair).
    /// - Returns: the events appended, with their leaf indices.
    static func appendPending(_ db: Database, range: inout CompactRange, cipher: LeafCipher, opener: PatientCipher,
                              gatewayID: String, random: RandomPool? = nil, limit: Int = 256) throws -> [(index: UInt64, event: AccessEvent)] {
        let rows = try db.prepare("SELECT id, event, created_at FROM audit_pending ORDER BY id LIMIT \(limit)")
            .rows { ($0.int64(0), $0.value(1), $0.int64(2)) }
        guard let last = rows.last else { return [] }
        let nodes = MerkleNodeTable(db)
        var number = UInt64(try db.scalar("SELECT COALESCE(MAX(number), 0) FROM audit_events"))
        let insert = try db.cachedStatement("INSERT INTO audit_events(leaf_index, number, type, device, ts, leaf) VALUES (?, ?, ?, ?, ?, ?)")
        var appended: [(index: UInt64, event: AccessEvent)] = []
        for (id, stored, createdAt) in rows {
            number += 1
            let draft = (try? open(stored, opener)) ?? AccessEventDraft(.unreadable, ts: createdAt, details: ["pending_id": .integer(id)])
            let event = draft.event(gateway: gatewayID, number: number)
            var salt = random?.bytes(AccessEvent.saltByteCount) ?? SecureRandom.bytes(AccessEvent.saltByteCount)
            var leaf = event.leafBytes(salt: salt)
            defer {
                sodiumZero(&leaf)
                sodiumZero(&salt)
            }
            let index = range.size
            try insert.run(.integer(Int64(index)), .integer(Int64(number)), .text(event.type), SQLiteValue(event.details["device"]?.string),
                           .integer(event.ts), .blob(cipher.seal(leaf, index: index, nonces: random)))
            try nodes.insert(range.append(RFC9162.hashLeaf(leaf)))
            appended.append((index, event))
        }
        try db.cachedStatement("DELETE FROM audit_pending WHERE id <= ?").run(.integer(last.0))
        return appended
    }

    static func open(_ stored: SQLiteValue, _ opener: PatientCipher) throws -> AccessEventDraft {
        switch stored {
        case .text(let text):
            return try AccessEventDraft(bytes: Array(text.utf8))
        case .blob(let sealed):
            var message = try opener.keys.open(sealed)
            defer { sodiumZero(&message) }
            guard message.starts(with: domain) else { throw StoreError("a pending access event is not one") }
            return try AccessEventDraft(bytes: Array(message[domain.count...]))
        default:
            throw StoreError("a pending access event is neither sealed nor JSON")
        }
    }

    /// Leaves of access events whose leaf hash is in `merkle_nodes` (level 0).
    public struct Stored: Sendable {
        public let leafIndex: UInt64
        public let number: UInt64
        public let type: String
        public let device: String?
        public let ts: Int64
        let sealed: [UInt8]

        /// The event and its salt, opened with the gateway key's leaf cipher.
        public func open(_ cipher: LeafCipher) throws -> (event: AccessEvent, salt: [UInt8], leaf: [UInt8]) {
            let leaf = try cipher.open(sealed, index: leafIndex)
            let (event, salt) = try AccessEvent.parseLeaf(leaf)
            return (event, salt, leaf)
        }
    }

    /// Access event leaves, in log order; `since` (ms) and `device` filter.
    public static func events(_ db: Database, since: Int64? = nil, device: String? = nil) throws -> [Stored] {
        var sql = "SELECT leaf_index, number, type, device, ts, leaf FROM audit_events WHERE 1"
        var args: [SQLiteValue] = []
        if let since { sql += " AND ts >= ?"; args.append(.integer(since)) }
        if let device { sql += " AND device = ?"; args.append(.text(device)) }
        let st = try db.prepare(sql + " ORDER BY leaf_index")
        try st.bind(args)
        return try st.rows {
            Stored(leafIndex: UInt64($0.int64(0)), number: UInt64($0.int64(1)), type: $0.text(2) ?? "", device: $0.text(3),
                   ts: $0.int64(4), sealed: $0.blob(5) ?? [])
        }
    }

    /// The access event at `leafIndex`, if that leaf is one.
    public static func event(_ db: Database, leafIndex: UInt64) throws -> Stored? {
        try db.prepare("SELECT leaf_index, number, type, device, ts, leaf FROM audit_events WHERE leaf_index = ?")
            .rows(.integer(Int64(leafIndex))) {
                Stored(leafIndex: UInt64($0.int64(0)), number: UInt64($0.int64(1)), type: $0.text(2) ?? "", device: $0.text(3),
                       ts: $0.int64(4), sealed: $0.blob(5) ?? [])
            }.first
    }

    /// Events recorded but not yet in the log, oldest first, opened.
    public static func pending(_ db: Database, opener: PatientCipher) throws -> [AccessEventDraft] {
        try db.prepare("SELECT event, created_at, id FROM audit_pending ORDER BY id").rows { ($0.value(0), $0.int64(1), $0.int64(2)) }
            .map { (stored, createdAt, id) in
                (try? open(stored, opener)) ?? AccessEventDraft(.unreadable, ts: createdAt, details: ["pending_id": .integer(id)])
            }
    }

    /// Re-seals every access event leaf from `old` to `new` (key rotation).
    static func reseal(_ db: Database, from old: LeafCipher, to new: LeafCipher) throws {
        let update = try db.cachedStatement("UPDATE audit_events SET leaf = ? WHERE leaf_index = ?")
        for (index, sealed) in try db.prepare("SELECT leaf_index, leaf FROM audit_events").rows(map: { ($0.int64(0), $0.blob(1) ?? []) }) {
            var plain = try old.open(sealed, index: UInt64(index))
            defer { sodiumZero(&plain) }
            try update.run(.blob(new.seal(plain, index: UInt64(index))), .integer(index))
        }
    }
}

extension AccessTrail {
    /// Settings whose value never goes into the trail: only that they changed.
    static let secretSettings: Set<String> = ["ledger_password"]

    /// The settings as recorded: `key=value` lines, sorted, secrets as `(set)`.
    static func settingsText(_ settings: [String: String]) -> String {
        settings.keys.sorted().map { key in "\(key)=\(secretSettings.contains(key) ? "(set)" : settings[key]!)\n" }.joined()
    }

    /// At agent start: if the effective settings differ from those last
    /// recorded (or none were), records a `config-change` event naming the
    /// keys that changed and the SHA-256 of the new settings text (secrets
    /// only as "(set)"); returns the changed keys, empty when none.
    @discardableResult
    public static func recordConfiguration(_ db: Database, settings: [String: String], at millis: Int64) throws -> [String] {
        try db.transaction(.immediate) {
            let text = settingsText(settings)
            let previous = try db.meta("audit_settings")
            guard previous != text else { return [] }
            var old: [String: String] = [:]
            for line in (previous ?? "").split(separator: "\n") {
                if let eq = line.firstIndex(of: "=") { old[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
            }
            var new: [String: String] = [:]
            for line in text.split(separator: "\n") {
                if let eq = line.firstIndex(of: "=") { new[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
            }
            let changed = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }.sorted()
            var details: [String: AccessEvent.Value] = [
                "changed": .string(changed.joined(separator: ",")),
                "settings_sha256": .string(SHA256.hash(Array(text.utf8)).hex),
                "actor": .string("agent"),
            ]
            if previous == nil { details["first"] = .integer(1) }
            try record(AccessEventDraft(.configChange, ts: millis, details: details), in: db)
            try db.setMeta("audit_settings", text)
            return changed
        }
    }
}
