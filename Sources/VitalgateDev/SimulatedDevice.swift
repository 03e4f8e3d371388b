import Threads
import MQTT
import JSON
import Vitals
import VitalgateAgent
#if canImport(Glibc)
import Glibc
#endif

/// A simulated device that keeps the device-side contract of
/// Devices/README.md: it keeps every reading until the gateway acknowledges
/// it on `vitals/<id>/ack`, and resends what is unacknowledged after it
/// reconnects and whenever a reading has waited `resendAfter` seconds.
public final class SimulatedDevice: Sendable {
    public let id: String
    let boot: UInt32
    let client: MQTTClient
    /// What the publishing thread and libmosquitto's (acks, reconnects) share.
    private struct Shared {
        var generator: VitalsGenerator
        var unacked: [UInt64: (payload: [UInt8], sentAt: Double)] = [:]
        var nextSeq: UInt64 = 1
        var resent = 0
    }
    private let shared: LockedBox<Shared>

    public init(id: String, profile: DeviceProfile, boot: UInt32, host: String, port: UInt16, username: String?, password: String?,
         tlsCAFile: String? = nil) throws {
        self.id = id
        self.boot = boot
        shared = LockedBox(Shared(generator: VitalsGenerator(device: id, profile: profile)))
        var config = MQTTClient.Configuration(clientID: "sim-\(id)-\(getpid())", cleanSession: false)
        config.host = host
        config.port = port
        config.username = username ?? id
        config.password = password
        config.tlsCAFile = tlsCAFile
        client = try MQTTClient(config)
        client.onMessage = { [weak self] message in self?.received(message) }
        client.onConnect = { [weak self] rc, _ in
            guard let self, rc == 0 else { return }
            try? self.client.subscribe("vitals/\(self.id)/ack", qos: 1)
            self.resend(olderThan: 0)  // after a reconnect, everything unacknowledged goes again
        }
        try client.start()
    }

    public var pending: Int { shared.withLock { $0.unacked.count } }
    public var resent: Int { shared.withLock { $0.resent } }

    /// Publishes the next reading (or, when `invalid`, a malformed message that is not kept).
    public func publishNext(invalidVariant: Int? = nil) throws {
        // An invalid message is not kept for resending.
        let payload = shared.withLock { s -> [UInt8] in
            let seq = s.nextSeq
            s.nextSeq += 1
            if let variant = invalidVariant { return Array(s.generator.invalidPayload(seq: seq, variant: variant).utf8) }
            let payload = Array(s.generator.payload(boot: boot, seq: seq, ts: WallClock.nowMillis()).utf8)
            s.unacked[seq] = (payload, Monotonic.seconds())
            return payload
        }
        try client.publish(topic: "vitals/\(id)", payload: payload, qos: 1)
    }

    /// Resends every reading unacknowledged for at least `seconds`.
    public func resend(olderThan seconds: Double) {
        let now = Monotonic.seconds()
        let due: [(UInt64, [UInt8])] = shared.withLock { s in
            var list: [(UInt64, [UInt8])] = []
            for (seq, entry) in s.unacked where now - entry.sentAt >= seconds {
                list.append((seq, entry.payload))
                s.unacked[seq]!.sentAt = now
            }
            return list.sorted { $0.0 < $1.0 }
        }
        for (_, payload) in due {
            if (try? client.publish(topic: "vitals/\(id)", payload: payload, qos: 1)) != nil {
                shared.withLock { $0.resent += 1 }
            }
        }
    }

    private func received(_ message: MQTTMessage) {
        guard let json = try? JSONParser.parse(message.payload), let ack = try? Acknowledgement(json: json), ack.boot == boot else { return }
        shared.withLock { s in
            for range in ack.acked {
                for seq in range where s.unacked[seq] != nil { s.unacked[seq] = nil }
            }
        }
    }

    public func stop() { client.stop() }
}
