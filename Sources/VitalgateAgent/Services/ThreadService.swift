import ServiceLifecycle
import Threads

/// A long-lived part of the agent whose work runs on its own thread: the
/// service starts it, waits for graceful shutdown (SIGTERM, SIGINT), then
/// asks it to finish and waits until it has.
public protocol ThreadedPart: AnyObject, Sendable {
    /// Starts the part's thread; `ended` is called on that thread when its
    /// work has returned, whether it was asked to stop or not.
    func start(ended: @escaping @Sendable () -> Void)
    /// Finishes pending work and returns when the thread has ended.
    func stopAndJoin()
}

extension ThreadedPart {
    /// Starts the part with nobody waiting for its end (tools and tests).
    public func start() { start(ended: {}) }
}

/// A part's thread ended before the agent asked it to: the agent can no
/// longer do that part's work, so it stops (non-zero exit; systemd restarts it).
public struct PartThreadEnded: Error, CustomStringConvertible {
    public let part: String
    public var description: String {
        "the \(part) thread ended without being asked to stop; stopping the agent so that it is restarted"
    }
}

public struct ThreadService: Service {
    let part: any ThreadedPart
    /// Called when this part is told to stop, before it stops.
    let onShutdown: @Sendable () -> Void

    public init(_ part: any ThreadedPart, onShutdown: @escaping @Sendable () -> Void = {}) {
        self.part = part
        self.onShutdown = onShutdown
    }

    /// Returns after graceful shutdown (or cancellation) once the part has
    /// stopped; throws `PartThreadEnded` if the thread ended first.
    public func run() async throws {
        let end = PartEnd()
        part.start(ended: { end.settle(.threadEnded) })
        let first = await withTaskCancellationOrGracefulShutdownHandler {
            await end.first()
        } onCancelOrGracefulShutdown: {
            end.settle(.stopRequested)
        }
        if first == .stopRequested { onShutdown() }
        // Also after the thread ended on its own: joins it and stops what it started.
        part.stopAndJoin()
        if first == .threadEnded { throw PartThreadEnded(part: "\(type(of: part))") }
    }
}

/// Which came first: the request to stop, or the part's thread ending.
final class PartEnd: Sendable {
    enum Outcome: Sendable { case stopRequested, threadEnded }

    private struct State {
        var outcome: Outcome?
        var waiter: CheckedContinuation<Outcome, Never>?
    }

    private let state = LockedBox(State())

    /// The first outcome settled; later ones are ignored.
    func settle(_ outcome: Outcome) {
        let waiter = state.withLock { s -> CheckedContinuation<Outcome, Never>? in
            guard s.outcome == nil else { return nil }
            s.outcome = outcome
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: outcome)
    }

    /// Waits until an outcome is settled and returns it.
    func first() async -> Outcome {
        await withCheckedContinuation { continuation in
            let settled = state.withLock { s -> Outcome? in
                if let outcome = s.outcome { return outcome }
                s.waiter = continuation
                return nil
            }
            if let settled { continuation.resume(returning: settled) }
        }
    }
}

/// What every looping part shares between its thread and the threads that
/// wake or stop it: at least the stop flag.
public protocol LoopShared: Sendable {
    /// Set once by `stopAndJoin`.
    var stopping: Bool { get set }
}

/// A looping part with nothing to share but the stop flag.
public struct StopFlag: LoopShared {
    public var stopping = false
    public init() {}
}

/// The thread, lock and shared state (with its stop flag) every looping
/// part has, and the start and stop that go with them (see `LoopingPart`;
/// ingest, which stops its MQTT client first, starts and stops its own).
public final class PartLoop<Shared: LoopShared>: Sendable {
    public let lock: LockedCondition<Shared>
    let thread: WorkerThread

    public init(name: String, _ shared: Shared) {
        thread = WorkerThread(name: name)
        lock = LockedCondition(shared)
    }

    /// Hands the part's thread work or news: changes the shared state and
    /// wakes the thread (and whoever else waits on the lock).
    public func wake(_ change: (inout Shared) -> Void) {
        lock.withLock { locked in
            change(&locked.state)
            locked.broadcast()
        }
    }

    func requestStop() { wake { $0.stopping = true } }

    /// Whether `stopAndJoin` has been called.
    public var stopping: Bool { lock.withLock { $0.state.stopping } }
}

extension PartLoop where Shared == StopFlag {
    public convenience init(name: String) { self.init(name: name, StopFlag()) }
}

/// A threaded part whose thread runs `run()` until the loop's `stopping` is set.
public protocol LoopingPart: ThreadedPart {
    associatedtype Shared: LoopShared
    var loop: PartLoop<Shared> { get }
    /// The thread's body; returns once it has seen `stopping` and finished.
    func run()
    /// Called after the stop flag is set, before waiting for the thread (e.g. to cancel I/O in flight).
    func willStop()
}

extension LoopingPart {
    public func start(ended: @escaping @Sendable () -> Void) {
        loop.thread.start { [self] in
            run()
            ended()
        }
    }

    public func stopAndJoin() {
        loop.requestStop()
        willStop()
        loop.thread.join()
    }

    public func willStop() {}
}
