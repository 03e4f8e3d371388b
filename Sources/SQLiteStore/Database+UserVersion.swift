extension Database {
    /// `PRAGMA user_version`: an integer in the database header that SQLite
    /// itself never uses, for schema migrations. A new database has 0.
    public func userVersion() throws(SQLiteError) -> Int32 {
        let statement = try prepare("PRAGMA user_version")
        guard try statement.step() else { return 0 }
        return Int32(truncatingIfNeeded: statement.int64(0))
    }

    /// Sets `PRAGMA user_version`; call inside the migration's transaction
    /// so the schema change and the version commit together.
    public func setUserVersion(_ version: Int32) throws(SQLiteError) {
        // PRAGMA takes no bound parameters; an Int32 renders as a plain literal.
        try execute("PRAGMA user_version = \(version)")
    }
}
