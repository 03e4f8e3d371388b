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
/// until after `mosquitto_destroy`. Everything is guarded by `lock`.
final class ClientContext: @unchecked Sendable {
    let lock = ConditionLock()
    var onMessage: (@Sendable (MQTTMessage) -> Void)?
    var onConnect: (@Sendable (Int32, Bool) -> Void)?
    var onDisconnect: (@Sendable (Int32) -> Void)?
    var onPublish: (@Sendable (Int32) -> Void)?
    var connected = false
    /// Why the connection last ended or could not be made, in words.
    var lastDisconnectReason: String?
    /// Topic filter -> QoS, in subscription order.
    var subscriptions: [(pattern: String, qos: Int32)] = []

    /// CONNACK arrived. On success, subscriptions are sent again before the
    /// handler runs: after a broker restart without persistence, or with a
    /// clean session, the broker no longer has them.
    func didConnect(_ mosquitto: OpaquePointer?, returnCode: Int32, sessionPresent: Bool) {
        let (handler, toRestore) = lock.withLock {
            if returnCode == 0 {
                connected = true
                lock.broadcast()
            }
            return (onConnect, returnCode == 0 ? subscriptions : [])
        }
        for subscription in toRestore {
            // On failure the connection is going down; the next CONNACK retries.
            _ = mosquitto_subscribe(mosquitto, nil, subscription.pattern, subscription.qos)
        }
        handler?(returnCode, sessionPresent)
    }

    func didDisconnect(returnCode: Int32, socketError: Int32) {
        let reason = Self.disconnectReason(returnCode, socketError: socketError)
        let handler = lock.withLock {
            connected = false
            lastDisconnectReason = reason
            lock.broadcast()
            return onDisconnect
        }
        handler?(returnCode)
    }

    func didPublish(mid: Int32) {
        lock.withLock { onPublish }?(mid)
    }

    func didReceive(_ message: MQTTMessage) {
        lock.withLock { onMessage }?(message)
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

