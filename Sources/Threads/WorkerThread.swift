#if canImport(Glibc)
import Glibc
#endif

/// A dedicated POSIX thread for blocking work (SQLite commits, ledger RPC).
/// Blocking calls stay off Swift's cooperative pool, which on a 2-core board
/// has only two threads.
public final class WorkerThread: @unchecked Sendable {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    private var thread = pthread_t()
    private var started = false
    public let name: String

    public init(name: String) { self.name = name }

    /// Starts `body` on a new thread. Call once.
    public func start(_ body: @escaping @Sendable () -> Void) {
        precondition(!started, "WorkerThread \(name) started twice")
        started = true
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed for \(name): \(rc)")
    }

    /// Waits for the thread's body to return.
    public func join() {
        guard started else { return }
        pthread_join(thread, nil)
        started = false
    }
}
