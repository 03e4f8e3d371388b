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

    func didDisconnect(returnCode: Int32) {
        let handler = lock.withLock {
            connected = false
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
}
