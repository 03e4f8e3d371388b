/// How `BEGIN` takes its locks (https://www.sqlite.org/lang_transaction.html).
public enum TransactionKind: Sendable {
    /// Locks are taken on first read or write; a later write may fail with
    /// `SQLITE_BUSY` without waiting if another writer got there first.
    case deferred
    /// Takes the write lock at `BEGIN` (waiting up to the busy timeout):
    /// the right choice for a transaction that will write.
    case immediate
    /// Like `immediate`; in WAL mode readers are still not blocked.
    case exclusive

    var beginSQL: String {
        switch self {
        case .deferred: "BEGIN DEFERRED"
        case .immediate: "BEGIN IMMEDIATE"
        case .exclusive: "BEGIN EXCLUSIVE"
        }
    }
}
