#if canImport(Glibc)
import Glibc
#endif

/// A dedicated POSIX thread for blocking work (SQLite commits, ledger RPC).
/// Blocking calls stay off Swift's cooperative pool, which on a 2-core board
/// has only two threads.
public final class WorkerThread: Sendable {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// The running thread, from `start` until `join` took it; start and join
    /// may come from different threads (a service task moves between them).
    private let thread = LockedBox<pthread_t?>(nil)
    public let name: String

    public init(name: String) { self.name = name }

    /// Starts `body` on a new thread. Call once (again only after `join`).
    public func start(_ body: @escaping @Sendable () -> Void) {
        thread.withLock { thread in
            precondition(thread == nil, "WorkerThread \(name) started twice")
            let box = Unmanaged.passRetained(Box(body)).toOpaque()
            var created = pthread_t()
            let rc = pthread_create(&created, nil, { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.body()
                return nil
            }, box)
            precondition(rc == 0, "pthread_create failed for \(name): \(rc)")
            thread = created
        }
    }

    /// Waits for the thread's body to return. Does nothing if not started or already joined.
    public func join() {
        guard let running = thread.withLock({ $0.take() }) else { return }
        pthread_join(running, nil)
    }
}
