/// Capped exponential backoff with jitter: the n-th delay is drawn uniformly
/// from [c/2, c] with c = min(cap, base * 2^n), so gateways that lost the same
/// ledger node don't all retry in the same second.
public struct Backoff: Sendable {
    public let base: Double
    public let cap: Double
    public private(set) var attempt = 0

    public init(base: Double = 1, cap: Double = 60) {
        precondition(base > 0 && cap >= base, "backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
    }

    /// The delay before the next try, in seconds; grows with each call.
    public mutating func nextDelay() -> Double {
        let ceiling = min(cap, base * Double(1 << min(attempt, 20)))
        attempt += 1
        return Double.random(in: (ceiling / 2)...ceiling)
    }

    /// Call after a success.
    public mutating func reset() { attempt = 0 }
}
