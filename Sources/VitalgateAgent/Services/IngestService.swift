import FileIO
import Threads
import Logging
import MQTT
import SQLiteStore
import Vitals

/// Takes readings from the broker (`vitals/+`), validates them against their
/// device's profile and commits them in batches (group commit: one fsync'd
/// transaction for all messages waiting), then wakes the checkpointer.
///
/// libmosquitto's network thread validates each message against a snapshot
/// of device enrolment and queues the result in `inbox`; the ingest thread
/// encodes, hashes, seals and commits. Splitting the work this way lets a
/// backlog drain use both cores (docs/performance.md: also moving encoding
/// and hashing made the network thread the slower one). A message from
/// a device not in the snapshot is queued raw and checked on the ingest
/// thread, which reloads enrolment from the database (so a device enrolled a
/// moment ago is accepted at once). A slow disk never stalls the MQTT socket
/// until `maxInbox` messages wait.
public final class IngestService: ThreadedPart, Sendable {
    let config: AgentConfig
    let logger: Logger
    let onCommitted: @Sendable (UInt64) -> Void
    /// Prunes and archives; woken when a commit would pass the storage budget.
    let storage: StorageService?
    /// Seals leaves at rest (see `LeafCipher`).
    let cipher: LeafCipher
    /// Opens recorded access events, which this thread appends to the log
    /// (docs/audit.md); nil: none are appended (benchmarks).
    let patients: PatientCipher?
    /// The ingest thread, and what libmosquitto's network thread, the ingest
    /// thread and the service task (`stopAndJoin`) share.
    let loop = PartLoop(name: "vg-ingest", Shared())
    /// Publishes acknowledgements after each commit, off the ingest thread.
    let acks: IngestAcks
    /// Checks payloads against device profiles (policy from the configuration).
    let validator: ReadingValidator
    // Shared, each behind its own lock.
    /// Where ingest and the broker connection stand, for `status` (docs/operations.md).
    let board: StatusBoard
    /// For the watchdog and the metrics: when ingest last made progress (OperationsService).
    let progress = LockedBox(IngestProgress())
    /// The broker connection as libmosquitto's callbacks saw it, and what was logged about it.
    let brokerWatch = LockedBox(BrokerWatch())

    /// Messages held in memory before the network thread waits for room.
    /// What waits then stays with the broker (persistent session), and
    /// devices keep what is not acknowledged, so nothing is lost.
    static let maxInbox = 20_000

    static let maxBatch = 2000
    /// Group commit (docs/performance.md): in a burst, a commit waits for
    /// `maxBatch` messages, `groupWindow` after the previous one began, or a
    /// pause of `groupSlice`; under steady load (issue 14) until its oldest
    /// message has waited `commit_window`: each commit costs a few pages
    /// written and an fsync whatever it holds, so 20 readings a commit wrote
    /// ten times what 200 do (docs/storage.md, "Writes").
    static let groupingThreshold = 100
    static let groupWindow = Duration.milliseconds(50)
    static let groupSlice = Duration.milliseconds(5)
    static let subscription = "vitals/+"

    /// - Parameter onCommitted: called on the ingest thread with the log size after each commit.
    public init(config: AgentConfig, logger: Logger, cipher: LeafCipher, patients: PatientCipher? = nil, board: StatusBoard,
                storage: StorageService? = nil,
                onCommitted: @escaping @Sendable (UInt64) -> Void) {
        self.config = config
        self.board = board
        self.cipher = cipher
        self.patients = patients
        self.logger = logger
        self.storage = storage
        self.onCommitted = onCommitted
        self.acks = IngestAcks(logger: logger)
        var policy = ValidationPolicy()
        policy.maxPayloadBytes = config.maxPayloadBytes
        policy.maxFutureSkewMillis = config.maxFutureSkewMillis
        policy.maxPastSkewMillis = config.maxPastSkewMillis
        validator = ReadingValidator(policy: policy)
    }

    public func start(ended: @escaping @Sendable () -> Void) {
        acks.start()
        loop.thread.start { [self] in
            run()
            ended()
        }
    }

    public func stopAndJoin() {
        // Stop taking messages first, then let the thread commit what it holds.
        // After `noMoreClients` the ingest thread makes no client, so the one
        // taken here is the only one there is.
        let client = loop.lock.withLock { locked in
            locked.state.noMoreClients = true
            return locked.state.client
        }
        client?.stop()
        loop.requestStop()
        loop.thread.join()
        acks.stopAndJoin()
    }

    func makeClient() throws -> MQTTClient {
        var mqtt = MQTTClient.Configuration(clientID: config.mqttClientID, cleanSession: false)
        mqtt.host = config.mqttHost
        mqtt.port = config.mqttPort
        mqtt.username = config.mqttUsername
        if let file = config.mqttPasswordFile { mqtt.password = try readSecretLine(file) }
        let client = try MQTTClient(mqtt)
        client.onMessage = { [weak self] message in self?.receive(message) }
        client.onConnect = { [weak self, weak client] rc, _ in
            guard let self else { return }
            if rc == 0 {
                do { try client?.subscribe(Self.subscription, qos: 1) } catch {
                    self.logger.error("subscribe to \(Self.subscription) failed: \(error)")
                }
                self.brokerConnected()
            } else {
                self.brokerRefused(rc)
            }
        }
        client.onDisconnect = { [weak self, weak client] rc in
            self?.brokerLost(rc, reason: client?.lastDisconnectReason ?? "connection ended")
        }
        return client
    }

    /// Called on libmosquitto's thread: validate, hand over.
    func receive(_ message: MQTTMessage) {
        // A reference copy, so validation runs without the lock.
        let statuses = loop.lock.withLock { $0.state.deviceSnapshot }
        let item = prepare(message, statuses)
        loop.lock.withLock { locked in
            while locked.state.inbox.count >= Self.maxInbox && !locked.state.stopping { locked.wait(for: .seconds(1)) }
            if locked.state.inbox.isEmpty { locked.state.oldestArrival = .now }
            locked.state.inbox.append(item)
            if locked.state.inbox.count >= locked.state.wakeAt { locked.broadcast() }
        }
    }

    /// The message validated at the time it arrived, unless its device is not
    /// in the snapshot: then the raw message, for the ingest thread to check
    /// against the database.
    private func prepare(_ message: MQTTMessage, _ statuses: [String: DeviceStatus]) -> InboxItem {
        let result = message.payload.withUnsafeBytes { payload in
            validator.validate(topic: message.topic, payload: payload, nowMillis: WallClock.nowMillis()) { statuses[$0] ?? .unknown }
        }
        if case .failure(let rejection) = result, rejection.reason == .unknownDevice { return .raw(message) }
        return .validated(ReadingLog.Item(topic: message.topic, result: result))
    }

    /// Makes `statuses` the network thread's view of enrolment (from its next message on).
    func publishDevices(_ statuses: [String: DeviceStatus]) {
        loop.lock.withLock { $0.state.deviceSnapshot = statuses }
    }
}

extension IngestService {
    /// What libmosquitto's network thread, the ingest thread and the service
    /// task share, under `loop.lock`.
    struct Shared: LoopShared {
        var inbox = MessageQueue<InboxItem>()
        /// Device enrolment as the ingest thread last loaded it, for the network thread.
        var deviceSnapshot: [String: DeviceStatus] = [:]
        var stopping = false
        /// The inbox size at which `receive` wakes the ingest thread: 1, or
        /// `maxBatch` while it groups a commit (so it is not woken per message).
        var wakeAt = 1
        /// When the oldest message waiting arrived, or no later: a commit
        /// under steady load waits at most `commit_window` from it.
        var oldestArrival = ContinuousClock.now
        /// Made and started by the ingest thread; stopped by `stopAndJoin`.
        var client: MQTTClient?
        /// Set by `stopAndJoin`: no client is started from then on.
        var noMoreClients = false
    }

    /// What only the ingest thread uses; it lives on that thread's stack.
    struct ThreadState {
        var paused = false
        /// Ingest is holding commits because the storage budget is reached.
        var heldForStorage = false
        /// Rejections are logged per device and reason, summarised per minute.
        var rejectionLog = LogThrottle()
        /// A pause that lasts is logged once, then every ten minutes.
        var pauseLog = RepeatLimiter()
    }
}

/// What the network thread queues for the ingest thread.
enum InboxItem: Sendable {
    /// Validated against the enrolment snapshot.
    case validated(ReadingLog.Item)
    /// From a device the snapshot did not know: validated on the ingest thread.
    case raw(MQTTMessage)
}

/// What the watchdog asks of ingest: is it getting on with its work?
struct IngestProgress {
    /// When the last commit was, or the last look at an empty inbox.
    var lastProgress = ContinuousClock.now
    /// Paused because the disk is full: waiting for room is the right thing
    /// to do, and a restart would not make any (status says it, critically).
    var waitingForRoom = false
    var commitLatency = Histogram()
    /// Readings in the log: counted once per session, then kept up to date by each commit (for the metrics).
    var storedReadings: Int64?
}

extension IngestService {
    /// The ingest thread made progress (a commit, or nothing to do).
    func noteProgress(waitingForRoom: Bool = false) {
        let now = ContinuousClock.now
        progress.withLock {
            $0.lastProgress = now
            $0.waitingForRoom = waitingForRoom
        }
    }

    /// The time since ingest last made progress, unless it is waiting for room on a full disk (then zero).
    public func timeWithoutProgress(now: ContinuousClock.Instant = .now) -> Duration {
        progress.withLock { $0.waitingForRoom ? .zero : max(.zero, now - $0.lastProgress) }
    }

    public var commitLatency: Histogram.Snapshot { progress.withLock { $0.commitLatency.snapshot } }

    public var storedReadings: Int64? { progress.withLock { $0.storedReadings } }
}
