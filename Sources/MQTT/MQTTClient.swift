import CMosquitto

/// An MQTT 3.1.1 client over libmosquitto, running its network loop on
/// libmosquitto's own thread and reconnecting by itself.
///
/// Handlers run on that network thread, one at a time, in arrival order;
/// they must not block for long (the thread also sends PUBACKs and pings)
/// and must not call `stop()` (it joins that thread).
// @unchecked: wraps a `struct mosquitto *`, which libmosquitto lets any thread use (its own locks); all else is `let` or in `context.lock`.
public final class MQTTClient: @unchecked Sendable {
    public let configuration: Configuration
    /// The `struct mosquitto *`; valid until `deinit`.
    let handle: OpaquePointer
    let context: ClientContext

    /// Creates the client and applies `configuration`; does not connect.
    public init(_ configuration: Configuration) throws(MQTTError) {
        MQTTLibrary.initialize()
        self.configuration = configuration
        let context = ClientContext()
        let userdata = Unmanaged.passRetained(context).toOpaque()
        guard let handle = mosquitto_new(configuration.clientID, configuration.cleanSession, userdata) else {
            Unmanaged<ClientContext>.fromOpaque(userdata).release()
            // mosquitto_new sets errno EINVAL for an empty id without clean session.
            throw MQTTError(code: MosquittoResult.invalid,
                            operation: "mosquitto_new (client id \"\(configuration.clientID)\", clean session \(configuration.cleanSession))")
        }
        self.handle = handle
        self.context = context
        // From here on a throw runs deinit, which destroys the handle.
        try configure()
    }

    private func configure() throws(MQTTError) {
        mosquitto_connect_with_flags_callback_set(handle, mqttConnectCallback)
        mosquitto_disconnect_callback_set(handle, mqttDisconnectCallback)
        mosquitto_publish_callback_set(handle, mqttPublishCallback)
        mosquitto_message_callback_set(handle, mqttMessageCallback)
        let delay = configuration.reconnectDelay
        try check(mosquitto_reconnect_delay_set(handle, delay.min, max(delay.min, delay.max), true),
                  "mosquitto_reconnect_delay_set")
        try check(mosquitto_max_inflight_messages_set(handle, configuration.maxInflight),
                  "mosquitto_max_inflight_messages_set")
        // Vitals are small and latency matters more than packet count.
        try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "mosquitto_int_option TCP_NODELAY")
        if configuration.username != nil || configuration.password != nil {
            try check(mosquitto_username_pw_set(handle, configuration.username, configuration.password),
                      "mosquitto_username_pw_set")  // never echo the password
        }
        if let caFile = configuration.tlsCAFile {
            try check(mosquitto_tls_set(handle, caFile, nil, nil, nil, nil), "mosquitto_tls_set (CA file \(caFile))")
        }
    }

    deinit {
        stop()
        mosquitto_destroy(handle)
        // No callback can run any more: the loop thread is joined.
        Unmanaged.passUnretained(context).release()
    }

    func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(MQTTError) {
        guard code != MosquittoResult.success else { return }
        throw MQTTError(code: code, operation: operation())
    }

    /// Starts connecting and the network thread. Returns at once; the
    /// connection comes up later (see `onConnect`, `waitUntilConnected`).
    /// An unreachable broker is not an error: the thread keeps retrying
    /// with the configured reconnect delay, also after the broker goes away.
    /// Calling it again while running does nothing; after `stop()` it throws.
    public func start() throws(MQTTError) {
        try context.lock.withLock { (locked) throws(MQTTError) in
            switch locked.state.run {
            case .running: return
            case .stopped: throw MQTTError(code: MosquittoResult.invalid, operation: "start (client was stopped)")
            case .idle: break
            }
            let target = "\(configuration.host):\(configuration.port)"
            // The thread starts first. Started after a failed
            // mosquitto_connect_async it would wait forever: with no loop
            // thread yet, the CONNECT is written at once, and if the refusal
            // already arrived that write fails and libmosquitto puts the
            // client back in state "new" (lib/connect.c, mosquitto__reconnect),
            // which the thread waits out before looping (lib/thread_mosq.c,
            // mosquitto__thread_main). Measured here with libmosquitto 2.0.11.
            try check(mosquitto_loop_start(handle), "mosquitto_loop_start")
            let rc = mosquitto_connect_async(handle, configuration.host, Int32(configuration.port),
                                             configuration.keepAliveSeconds)
            // MOSQ_ERR_ERRNO is a socket error such as ECONNREFUSED: the loop
            // thread retries it. Anything else (bad arguments) is final.
            if rc != MosquittoResult.success && rc != MosquittoResult.errno {
                _ = mosquitto_disconnect(handle)  // lets the thread leave its wait
                _ = mosquitto_loop_stop(handle, false)
                locked.state.run = .stopped
                throw MQTTError(code: rc, operation: "mosquitto_connect_async \(target)")
            }
            locked.state.run = .running
        }
    }

    /// Disconnects and joins the network thread. Idempotent. QoS 1
    /// messages not yet acknowledged (see `onPublish`) are not waited for.
    public func stop() {
        let wasRunning = context.lock.withLock { locked in
            defer { locked.state.run = .stopped }
            return locked.state.run == .running
        }
        guard wasRunning else { return }
        _ = mosquitto_disconnect(handle)        // MOSQ_ERR_NO_CONN when already down: fine
        _ = mosquitto_loop_stop(handle, false)  // wakes the thread's sleep, then joins it
        context.lock.withLock { locked in
            locked.state.connected = false
            locked.broadcast()
        }
    }

    /// Why the connection last ended, or why the last attempt failed, in
    /// words ("connection refused", "the connection was lost"); nil before any.
    public var lastDisconnectReason: String? { context.lock.withLock { $0.state.lastDisconnectReason } }

    /// A broker's CONNACK refusal (MQTT 3.1.1 section 3.2.2.3) in words for
    /// the person who must fix it.
    public static func refusalReason(_ connack: Int32) -> String {
        switch connack {
        case 1: "the broker does not accept MQTT 3.1.1"
        case 2: "the broker rejected the client id"
        case 3: "the broker is unavailable"
        case 4: "bad user name or password"
        case 5: "not authorised: wrong user name or password, or the user may not connect"
        default: "refused with CONNACK code \(connack)"
        }
    }

    /// True between a successful CONNACK and the next disconnect.
    public var isConnected: Bool { context.lock.withLock { $0.state.connected } }

    /// Blocks the calling thread until connected or `timeout` passes (for
    /// tools and tests; not for the network thread). Returns `isConnected`.
    public func waitUntilConnected(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        return context.lock.withLock { locked in
            while !locked.state.connected {
                if !locked.wait(until: deadline) { return locked.state.connected }
            }
            return true
        }
    }
}

extension MQTTClient {
    /// How the client connects. The password never appears in `description`.
    public struct Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// Must be non-empty when `cleanSession` is false: the broker keeps
        /// the session (subscriptions, queued QoS 1 messages) under this id.
        public var clientID: String
        /// False: the broker keeps the session across disconnects and queues
        /// QoS 1 messages for it while the client is away.
        public var cleanSession: Bool
        public var host = "127.0.0.1"
        public var port: UInt16 = 1883
        public var username: String?
        public var password: String?
        public var keepAliveSeconds: Int32 = 30
        /// Seconds between reconnect attempts, growing from `min` to `max`
        /// (`mosquitto_reconnect_delay_set` with exponential backoff).
        public var reconnectDelay: (min: UInt32, max: UInt32) = (1, 30)
        /// Outgoing QoS 1 messages awaiting PUBACK at once; more are queued
        /// in the client. 0 means no limit.
        public var maxInflight: UInt32 = 100
        /// A PEM file of CA certificates: when set, the connection uses TLS
        /// and verifies the broker against them.
        public var tlsCAFile: String? = nil

        public init(clientID: String, cleanSession: Bool) {
            self.clientID = clientID
            self.cleanSession = cleanSession
        }

        public var description: String {
            let user = username.map { "\($0)@" } ?? ""
            let password = password == nil ? "" : " password=<redacted>"
            let tls = tlsCAFile.map { " tls-ca=\($0)" } ?? ""
            return "mqtt://\(user)\(host):\(port) client-id=\(clientID) clean-session=\(cleanSession)\(password)\(tls)"
        }

        public var debugDescription: String { description }

        /// `dump` and debuggers show the redacted description, not the fields.
        public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
    }
}

/// Handlers run on libmosquitto's network thread. Set them before
/// `start()` so no early event is missed; changing them later is safe.
extension MQTTClient {
    /// A message arrived; its QoS 1 PUBACK has already been sent, so a
    /// message must be made durable here or be acceptable to lose.
    public var onMessage: (@Sendable (MQTTMessage) -> Void)? {
        get { context.lock.withLock { $0.state.onMessage } }
        set { context.lock.withLock { $0.state.onMessage = newValue } }
    }

    /// CONNACK: `rc` 0 is success (subscriptions were already re-sent),
    /// otherwise the broker's refusal (`MQTTError.connectionRefused(rc)`).
    /// `sessionPresent`: the broker resumed a persistent session.
    public var onConnect: (@Sendable (_ rc: Int32, _ sessionPresent: Bool) -> Void)? {
        get { context.lock.withLock { $0.state.onConnect } }
        set { context.lock.withLock { $0.state.onConnect = newValue } }
    }

    /// The connection ended: `rc` 0 after `stop()`, otherwise lost; the
    /// client reconnects by itself unless stopped.
    public var onDisconnect: (@Sendable (_ rc: Int32) -> Void)? {
        get { context.lock.withLock { $0.state.onDisconnect } }
        set { context.lock.withLock { $0.state.onDisconnect = newValue } }
    }

    /// The broker acknowledged (PUBACK) our QoS 1 publish `mid`; for QoS 0,
    /// the message was written to the socket. May run before `publish` returns.
    public var onPublish: (@Sendable (_ mid: Int32) -> Void)? {
        get { context.lock.withLock { $0.state.onPublish } }
        set { context.lock.withLock { $0.state.onPublish = newValue } }
    }
}

extension MQTTClient {
    /// Subscribes to `pattern` (MQTT wildcards `+`, `#`) with maximum QoS
    /// `qos`. The subscription is remembered and sent again on every
    /// reconnect; when not connected now, it is sent on connect.
    public func subscribe(_ pattern: String, qos: Int32) throws(MQTTError) {
        guard (0...2).contains(qos), mosquitto_sub_topic_check(pattern) == MosquittoResult.success else {
            throw MQTTError(code: MosquittoResult.invalid, operation: "subscribe \"\(pattern)\" qos \(qos)")
        }
        context.lock.withLock { locked in
            locked.state.subscriptions.removeAll { $0.pattern == pattern }
            locked.state.subscriptions.append((pattern, qos))
        }
        let rc = mosquitto_subscribe(handle, nil, pattern, qos)
        if rc != MosquittoResult.success && rc != MosquittoResult.noConnection {
            throw MQTTError(code: rc, operation: "subscribe \"\(pattern)\"")
        }
    }

    /// Publishes `payload` to `topic`; returns the message id that
    /// `onPublish` reports. QoS 1 and 2 messages published while
    /// disconnected are queued in the client (in memory, until the client
    /// is destroyed) and sent after reconnecting; QoS 0 ones fail with
    /// `MOSQ_ERR_NO_CONN`.
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool = false) throws(MQTTError) -> Int32 {
        // withUnsafeBytes rethrows untyped errors; carry the typed one out in a Result.
        try payload.withUnsafeBytes { bytes in
            Result { () throws(MQTTError) in try publish(topic: topic, payload: bytes, qos: qos, retain: retain) }
        }.get()
    }

    /// Publishes from a buffer without copying it into an array first;
    /// libmosquitto copies the bytes before returning.
    @discardableResult
    public func publish(topic: String, payload: UnsafeRawBufferPointer, qos: Int32, retain: Bool) throws(MQTTError) -> Int32 {
        // MQTT's remaining-length field caps a packet at 268,435,455 bytes (3.1.1 section 2.2.3).
        guard payload.count <= 268_435_455 else {
            throw MQTTError(code: MosquittoResult.payloadSize, operation: "publish to \"\(topic)\" (\(payload.count) bytes)")
        }
        var mid: Int32 = 0
        let rc = mosquitto_publish(handle, &mid, topic, Int32(payload.count), payload.baseAddress, qos, retain)
        // For QoS 1 and 2, libmosquitto 2.0.11 appends the message to its
        // outgoing list before trying to send it (lib/actions.c,
        // mosquitto_publish_v5 -> message__queue); without a connection the
        // send fails with MOSQ_ERR_NO_CONN, but the message stays queued and
        // is re-sent after the next CONNACK (lib/messages_mosq.c,
        // message__reconnect_reset and message__retry_check). It is not
        // lost, so it is not an error; a caller retrying would duplicate it.
        if rc == MosquittoResult.noConnection && qos > 0 { return mid }
        guard rc == MosquittoResult.success else {
            throw MQTTError(code: rc, operation: "publish to \"\(topic)\"")
        }
        return mid
    }
}
