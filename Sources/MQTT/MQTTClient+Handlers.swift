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
