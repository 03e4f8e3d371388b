import Synchronization

/// Where the agent's parts say what they are doing (`PartState`): the
/// ingest, anchor and delivery threads and libmosquitto's network thread
/// write it, the operations thread reads it every tick and publishes it
/// (live status file, systemd `STATUS=`, metrics) and records each change
/// in the database, so `status` can say what the agent last saw after it
/// has stopped. Setting a state is cheap and never touches the disk, so a
/// part that changes its mind many times a second costs no commits.
public final class StatusBoard: Sendable {
    private let parts: Mutex<[AgentPart: PartState]>
    /// Counts every change, so a reader knows whether anything is new.
    private let version = Atomic<Int>(0)

    public init(_ initial: [AgentPart: PartState]) {
        parts = Mutex(initial)
    }

    /// Sets `part`'s state. `since` moves only when the health or the state
    /// word changes; a new detail alone keeps it.
    /// - Returns: true when the situation changed (health or state word).
    @discardableResult
    public func set(_ part: AgentPart, _ health: Health, _ state: String, _ detail: String = "",
                    now: Int64 = Clock.nowMillis()) -> Bool {
        let changed = parts.withLock { parts -> Bool? in
            var next = PartState(health, state, detail, since: now)
            if let current = parts[part] {
                if current == PartState(health, state, detail, since: current.since) { return nil }
                if current.sameSituation(next) { next.since = current.since }
                parts[part] = next
                return !current.sameSituation(next)
            }
            parts[part] = next
            return true
        }
        guard let changed else { return false }
        version.add(1, ordering: .relaxed)
        return changed
    }

    public func state(_ part: AgentPart) -> PartState? { parts.withLock { $0[part] } }

    public func snapshot() -> [AgentPart: PartState] { parts.withLock { $0 } }

    public var changeCount: Int { version.load(ordering: .relaxed) }
}
