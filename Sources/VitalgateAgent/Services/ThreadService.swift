import ServiceLifecycle

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

    public init(_ part: any ThreadedPart) { self.part = part }

    public func run() async throws {
        part.start()
        try? await gracefulShutdown()
        part.stopAndJoin()
    }
}
