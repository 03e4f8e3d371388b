import ServiceLifecycle
import Threads

/// A long-lived part of the agent whose work runs on its own thread: the
/// service starts it, waits for graceful shutdown (SIGTERM, SIGINT), then
/// asks it to finish and waits until it has.
public protocol ThreadedPart: AnyObject, Sendable {
    func start()
    /// Finishes pending work and returns when the thread has ended.
    func stopAndJoin()
}

public struct ThreadService: Service {
    let part: any ThreadedPart
    /// Called when this part is told to stop, before it stops.
    let onShutdown: @Sendable () -> Void

    public init(_ part: any ThreadedPart, onShutdown: @escaping @Sendable () -> Void = {}) {
        self.part = part
        self.onShutdown = onShutdown
    }

    public func run() async throws {
        part.start()
        try? await gracefulShutdown()
        onShutdown()
        part.stopAndJoin()
    }
}

/// The thread, lock and stop flag every threaded part has, and the start and
/// stop that go with them (see `LoopingPart`).
public final class PartLoop: @unchecked Sendable {
    public let lock = ConditionLock()
    let thread: WorkerThread
    /// Set once by `stopAndJoin`; read under `lock`.
    public private(set) var stopping = false

    public init(name: String) { thread = WorkerThread(name: name) }

    func requestStop() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
    }
}

/// A threaded part whose thread runs `run()` until `loop.stopping` is set.
public protocol LoopingPart: ThreadedPart {
    var loop: PartLoop { get }
    /// The thread's body; returns once it has seen `loop.stopping` and finished.
    func run()
    /// Called after the stop flag is set, before waiting for the thread (e.g. to cancel I/O in flight).
    func willStop()
}

extension LoopingPart {
    public func start() { loop.thread.start { [self] in run() } }

    public func stopAndJoin() {
        loop.requestStop()
        willStop()
        loop.thread.join()
    }

    public func willStop() {}
}
