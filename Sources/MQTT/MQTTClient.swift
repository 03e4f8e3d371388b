import CMosquitto

/// An MQTT 3.1.1 client over libmosquitto, running its network loop on
/// libmosquitto's own thread and reconnecting by itself.
///
/// Handlers run on that network thread, one at a time, in arrival order;
/// they must not block for long (the thread also sends PUBACKs and pings)
/// and must not call `stop()` (it joins that thread).
public final class MQTTClient: @unchecked Sendable {
    public let configuration: Configuration
    /// The `struct mosquitto *`; valid until `deinit`.
    let handle: OpaquePointer
    let context: ClientContext
    private var state = RunState.idle  // guarded by context.lock

    private enum RunState { case idle, running, stopped }

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
        try context.lock.withLock { () throws(MQTTError) in
            switch state {
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
                state = .stopped
                throw MQTTError(code: rc, operation: "mosquitto_connect_async \(target)")
            }
            state = .running
        }
    }

    /// Disconnects and joins the network thread. Idempotent. QoS 1
    /// messages not yet acknowledged (see `onPublish`) are not waited for.
    public func stop() {
        let wasRunning = context.lock.withLock {
            defer { state = .stopped }
            return state == .running
        }
        guard wasRunning else { return }
        _ = mosquitto_disconnect(handle)        // MOSQ_ERR_NO_CONN when already down: fine
        _ = mosquitto_loop_stop(handle, false)  // wakes the thread's sleep, then joins it
        context.lock.withLock {
            context.connected = false
            context.lock.broadcast()
        }
    }

    /// Why the connection last ended, or why the last attempt failed, in
    /// words ("connection refused", "the connection was lost"); nil before any.
    public var lastDisconnectReason: String? { context.lock.withLock { context.lastDisconnectReason } }

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
    public var isConnected: Bool { context.lock.withLock { context.connected } }

    /// Blocks the calling thread until connected or `timeout` seconds pass
    /// (for tools and tests; not for the network thread). Returns `isConnected`.
    public func waitUntilConnected(timeout: Double) -> Bool {
        context.lock.wait(timeout: timeout) { context.connected }
    }
}
