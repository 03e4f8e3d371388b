/// A point on the continuous clock (immune to wall-clock changes) that I/O must finish by.
struct Deadline {
    private let instant: ContinuousClock.Instant

    init(secondsFromNow seconds: Double) {
        instant = .now + .seconds(seconds)
    }

    /// Milliseconds left, for poll(2); 0 once passed.
    var remainingMilliseconds: Int32 {
        let left = ContinuousClock.now.duration(to: instant).components
        let milliseconds = left.seconds * 1000 + left.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, milliseconds))
    }
}
