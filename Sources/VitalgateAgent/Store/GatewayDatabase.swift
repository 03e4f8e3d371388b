import SQLiteStore

/// Opening the gateway's SQLite file: WAL and `synchronous=FULL` (so a commit
/// survives power loss, which is the point of safety for every reading), and
/// the newest schema.
public enum GatewayDatabase {
    public static func open(_ home: GatewayHome, readOnly: Bool = false) throws -> Database {
        // A reader on a gateway never provisioned gets a sentence, not SQLite's "unable to open".
        if readOnly && !Files.exists(home.database) {
            throw StoreError("no database at \(home.database): provision this gateway first (`vitalgate provision --home \(home.path) --gateway-id ID`)")
        }
        var options = Database.Options()
        options.readOnly = readOnly
        options.synchronousFull = true
        let db = try Database(path: home.database, options: options)
        if !readOnly { try Schema.migrate(db) }
        return db
    }
}

/// Errors about what the database holds, phrased for the person at the console.
public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Database {
    /// One `meta` value.
    public func meta(_ key: String) throws -> String? {
        let st = try cachedStatement("SELECT value FROM meta WHERE key = ?")
        defer { st.reset() }
        try st.bind(.text(key))
        return try st.step() ? st.text(0) : nil
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try cachedStatement("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .run(.text(key), .text(value))
    }

    /// A single integer from a query without arguments (counts, maxima); 0 for NULL.
    func scalar(_ sql: String, _ values: SQLiteValue...) throws -> Int64 {
        let st = try cachedStatement(sql)
        defer { st.reset() }
        try st.bind(values)
        return try st.step() ? st.int64(0) : 0
    }

    /// Records what the agent last saw of a peer (broker, ledger) for `status`.
    public func setAgentState(_ key: String, _ value: String, at millis: Int64) throws {
        try cachedStatement("""
            INSERT INTO agent_state(key, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """).run(.text(key), .text(value), .integer(millis))
    }
}
