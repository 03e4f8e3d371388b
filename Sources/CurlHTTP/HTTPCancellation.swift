import Synchronization

/// Lets another thread abort a transfer in flight (checked from libcurl's
/// progress callback, which runs at least once a second while waiting), so
/// shutting the agent down never waits for a slow clinic server.
public final class HTTPCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .relaxed) }

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
