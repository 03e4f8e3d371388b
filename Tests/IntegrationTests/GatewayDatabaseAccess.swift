import SQLiteStore
import TestSupport

extension GatewayFixture {
    /// The gateway's SQLite file, read-only: tests look while the agent may run (WAL readers never block it).
    func readOnlyDatabase() throws -> Database {
        var options = Database.Options()
        options.readOnly = true
        return try Database(path: databasePath, options: options)
    }
}
