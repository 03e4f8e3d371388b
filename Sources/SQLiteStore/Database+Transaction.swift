import CSQLite

extension Database {
    /// Runs `body` inside `BEGIN <kind>` ... `COMMIT`.
    ///
    /// If `body` throws, or `COMMIT` fails (e.g. `SQLITE_FULL`, `SQLITE_BUSY`),
    /// the transaction is rolled back and the error rethrown: either all of
    /// `body`'s changes are committed or none are.
    /// Precondition: no transaction is open on this connection (no nesting).
    public func transaction<R>(_ kind: TransactionKind = .immediate, _ body: () throws -> R) throws -> R {
        try execute(kind.beginSQL)
        let result: R
        do {
            result = try body()
            try execute("COMMIT")
        } catch {
            rollbackIfOpen()
            throw error
        }
        return result
    }

    /// Runs `body` inside a SAVEPOINT: its changes are kept or undone
    /// together, whether or not the caller holds a transaction. Inside one,
    /// they become part of it; outside, the savepoint is a transaction of
    /// its own, committed when `body` returns. Nests.
    public func atomically<R>(_ body: () throws -> R) throws -> R {
        try execute("SAVEPOINT vg_atomically")
        let result: R
        do {
            result = try body()
            try execute("RELEASE vg_atomically")
        } catch {
            // After an error that rolled back the whole transaction (see
            // rollbackIfOpen) the savepoint is gone with it.
            if isInTransaction { _ = sqlite3_exec(handle, "ROLLBACK TO vg_atomically; RELEASE vg_atomically", nil, nil, nil) }
            throw error
        }
        return result
    }

    /// Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, ...) make SQLite
    /// roll back by itself (https://www.sqlite.org/lang_transaction.html,
    /// "Response To Errors Within A Transaction"); ROLLBACK then would fail
    /// with "no transaction is active", so only roll back what is still open.
    private func rollbackIfOpen() {
        guard isInTransaction else { return }
        // A failing ROLLBACK leaves nothing better to do than report the
        // original error; SQLite rolls back the journal on next open.
        _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
    }
}
