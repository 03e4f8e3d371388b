/// Capped exponential backoff with jitter: the n-th delay is drawn uniformly
/// from [c/2, c] with c = min(cap, base * 2^n), so gateways that lost the same
/// ledger node don't all retry in the same second.
public struct Backoff: Sendable {
    public let base: Duration
    public let cap: Duration
    public private(set) var attempt = 0

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(60)) {
        precondition(base > .zero && cap >= base, "backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
    }

    /// The delay before the next try; grows with each call.
    public mutating func nextDelay() -> Duration {
        let ceiling = min(cap, base * (1 << min(attempt, 20)))
        attempt += 1
        return ceiling * Double.random(in: 0.5...1)
    }

    /// Call after a success.
    public mutating func reset() { attempt = 0 }
}
