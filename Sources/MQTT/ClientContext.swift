#if canImport(Glibc)
import Glibc
#endif
import CMosquitto
import Threads

/// The state libmosquitto's callbacks reach through `userdata`: handlers,
/// the connection flag and the subscriptions to restore on reconnect.
///
/// Kept apart from `MQTTClient` so the client can be released while the
/// library still holds this object; the client retains it (`Unmanaged`)
/// until after `mosquitto_destroy`.
final class ClientContext: Sendable {
    /// Everything the callbacks and the client's callers share.
    let lock = LockedCondition(Shared())

    struct Shared: Sendable {
        var onMessage: (@Sendable (MQTTMessage) -> Void)?
        var onConnect: (@Sendable (Int32, Bool) -> Void)?
        var onDisconnect: (@Sendable (Int32) -> Void)?
        var onPublish: (@Sendable (Int32) -> Void)?
        var connected = false
        /// Why the connection last ended or could not be made, in words.
        var lastDisconnectReason: String?
        /// Topic filter -> QoS, in subscription order.
        var subscriptions: [(pattern: String, qos: Int32)] = []
        /// Whether the network thread runs (`MQTTClient.start`, `stop`).
        var run = RunState.idle
    }

    enum RunState { case idle, running, stopped }

    /// CONNACK arrived. On success, subscriptions are sent again before the
    /// handler runs: after a broker restart without persistence, or with a
    /// clean session, the broker no longer has them.
    func didConnect(_ mosquitto: OpaquePointer?, returnCode: Int32, sessionPresent: Bool) {
        let (handler, toRestore) = lock.withLock { locked in
            if returnCode == 0 {
                locked.state.connected = true
                locked.broadcast()
            }
            return (locked.state.onConnect, returnCode == 0 ? locked.state.subscriptions : [])
        }
        for subscription in toRestore {
            // On failure the connection is going down; the next CONNACK retries.
            _ = mosquitto_subscribe(mosquitto, nil, subscription.pattern, subscription.qos)
        }
        handler?(returnCode, sessionPresent)
    }

    func didDisconnect(returnCode: Int32, socketError: Int32) {
        let reason = Self.disconnectReason(returnCode, socketError: socketError)
        let handler = lock.withLock { locked in
            locked.state.connected = false
            locked.state.lastDisconnectReason = reason
            locked.broadcast()
            return locked.state.onDisconnect
        }
        handler?(returnCode)
    }

    func didPublish(mid: Int32) {
        lock.withLock { $0.state.onPublish }?(mid)
    }

    func didReceive(_ message: MQTTMessage) {
        lock.withLock { $0.state.onMessage }?(message)
    }

    /// Words for `on_disconnect`'s code: 0 is our own disconnect; a socket
    /// error says which (libmosquitto's own text for it reads errno later,
    /// when it may have changed).
    static func disconnectReason(_ rc: Int32, socketError: Int32) -> String {
        if rc == 0 { return "disconnected on request" }
        if rc == MosquittoResult.errno && socketError != 0 { return String(cString: strerror(socketError)).lowercased() }
        return String(cString: mosquitto_strerror(rc)).lowercased().trimmingCharacters(in: ".")
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

// libmosquitto calls these on its network thread (mosquitto_loop_start).
// They are plain top-level functions, usable as @convention(c) pointers:
// they capture nothing and carry no actor isolation (a closure written in
// a main-actor context would be main-actor isolated and trap on this
// thread). The context arrives through `userdata`.

private func context(_ userdata: UnsafeMutableRawPointer?) -> ClientContext? {
    userdata.map { Unmanaged<ClientContext>.fromOpaque($0).takeUnretainedValue() }
}

/// `mosquitto_connect_with_flags_callback_set`: `flags` bit 0 is the
/// CONNACK "session present" flag (MQTT 3.1.1 section 3.2.2.2).
func mqttConnectCallback(_ mosquitto: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                         _ returnCode: Int32, _ flags: Int32) {
    context(userdata)?.didConnect(mosquitto, returnCode: returnCode, sessionPresent: flags & 1 != 0)
}

/// `returnCode` 0 means we asked to disconnect; anything else was unexpected.
func mqttDisconnectCallback(_ mosquitto: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                            _ returnCode: Int32) {
    // MOSQ_ERR_ERRNO's cause is in errno: read it before anything else can change it.
    let socketError = errno
    context(userdata)?.didDisconnect(returnCode: returnCode, socketError: socketError)
}

/// For QoS 1, called when the PUBACK arrives; for QoS 0, once sent.
func mqttPublishCallback(_ mosquitto: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ mid: Int32) {
    context(userdata)?.didPublish(mid: mid)
}

/// Copies topic and payload before returning: libmosquitto frees the
/// message afterwards.
func mqttMessageCallback(_ mosquitto: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                         _ message: UnsafePointer<mosquitto_message>?) {
    guard let context = context(userdata), let message = message?.pointee else { return }
    let topic = message.topic.map { String(cString: $0) } ?? ""
    let count = Int(max(0, message.payloadlen))
    let payload = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    context.didReceive(MQTTMessage(topic: topic, payload: payload, qos: message.qos,
                                   retain: message.retain, mid: message.mid))
}
