/// Summarises a stream of similar log events (rejected messages) per kind
/// and per window: the first event of a kind in a window is logged in
/// full, the rest are counted and reported in one line per kind when the
/// window ends. At most `maxKinds` kinds are logged in full per window;
/// events of further kinds are counted together. So a window writes at most
/// `2 * maxKinds + 1` lines whatever arrives: a misconfigured 10 Hz device,
/// or a flood of made-up device ids, cannot fill an SD card with log.
struct LogThrottle {
    let window: Duration
    let maxKinds: Int
    private var windowStart: ContinuousClock.Instant?
    /// Events of each kind admitted this window beyond the first, by kind, in arrival order.
    private var suppressed: [String: Int] = [:]
    private var order: [String] = []
    /// Events whose kind came after `maxKinds` kinds were taken.
    private var overflow = 0
    private var overflowKinds = Set<String>()

    init(window: Duration = .seconds(60), maxKinds: Int = 10) {
        self.window = window
        self.maxKinds = maxKinds
    }

    /// Whether the event of `kind` is to be logged in full now. Call `flush` first.
    mutating func admit(_ kind: String, now: ContinuousClock.Instant = .now) -> Bool {
        if windowStart == nil { windowStart = now }
        if let n = suppressed[kind] {
            suppressed[kind] = n + 1
            return false
        }
        if order.count < maxKinds {
            suppressed[kind] = 0
            order.append(kind)
            return true
        }
        overflow += 1
        // Bounded like the kinds: only how many there were is reported.
        if overflowKinds.count < 100_000 { overflowKinds.insert(kind) }
        return false
    }

    /// When the window has ended (or `force`, at shutdown): one summary per
    /// kind that had more events than the first, as (kind, count), and the
    /// overflow as (kinds, count); the next window starts empty.
    mutating func flush(now: ContinuousClock.Instant = .now, force: Bool = false) -> (repeated: [(kind: String, count: Int)], overflow: (kinds: Int, count: Int)?)? {
        guard let start = windowStart, force || now - start >= window else { return nil }
        let repeated = order.compactMap { kind in suppressed[kind].flatMap { $0 > 0 ? (kind, $0) : nil } }
        let rest = overflow > 0 ? (overflowKinds.count, overflow) : nil
        windowStart = nil
        suppressed = [:]
        order = []
        overflow = 0
        overflowKinds = []
        return (repeated, rest)
    }
}

/// Logs a condition that repeats (a ledger that stays down, a wallet that
/// stays empty) when it first appears or changes, then only as a reminder
/// every `reminder`, saying how often it recurred meanwhile.
struct RepeatLimiter {
    let reminder: Duration
    private var last: String?
    /// When `last` was last logged (set whenever `last` is).
    private var lastLogged = ContinuousClock.now
    private var repeats = 0

    init(reminder: Duration = .seconds(600)) { self.reminder = reminder }

    /// The line to log for `message` now, or nil to stay quiet.
    mutating func line(_ message: String, now: ContinuousClock.Instant = .now) -> String? {
        if message == last {
            repeats += 1
            let since = now - lastLogged
            guard since >= reminder else { return nil }
            let line = "\(message) (still, \(repeats) times in the last \(Int(since.seconds.rounded())) s)"
            lastLogged = now
            repeats = 0
            return line
        }
        last = message
        lastLogged = now
        repeats = 0
        return message
    }

    /// The condition ended: the next occurrence is logged at once.
    mutating func clear() {
        last = nil
        repeats = 0
    }

    var isActive: Bool { last != nil }
}
