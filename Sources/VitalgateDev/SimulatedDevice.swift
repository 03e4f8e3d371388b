#if canImport(Glibc)
import Glibc
#endif
import Threads
import MQTT
import JSON
import Vitals
import VitalgateAgent

/// A simulated device that keeps the device-side contract of
/// Devices/README.md: it keeps every reading until the gateway acknowledges
/// it on `vitals/<id>/ack`, and resends what is unacknowledged after it
/// reconnects and whenever a reading has waited `resendAfter`.
public final class SimulatedDevice: Sendable {
    public let id: String
    let boot: UInt32
    let client: MQTTClient
    /// What the publishing thread and libmosquitto's (acks, reconnects) share.
    private struct Shared {
        var generator: VitalsGenerator
        var unacked: [UInt64: (payload: [UInt8], sentAt: ContinuousClock.Instant)] = [:]
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
            self.resend(olderThan: .zero)  // after a reconnect, everything unacknowledged goes again
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
            s.unacked[seq] = (payload, .now)
            return payload
        }
        try client.publish(topic: "vitals/\(id)", payload: payload, qos: 1)
    }

    /// Resends every reading unacknowledged for at least `age`.
    public func resend(olderThan age: Duration) {
        let now = ContinuousClock.now
        let due: [(UInt64, [UInt8])] = shared.withLock { s in
            var list: [(UInt64, [UInt8])] = []
            for (seq, entry) in s.unacked where now - entry.sentAt >= age {
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

/// Plausible values for a simulated device: each metric wanders (a bounded
/// random walk) inside a normal adult range chosen by its LOINC code.
struct VitalsGenerator {
    let device: String
    let profile: DeviceProfile
    var current: [String: Double] = [:]

    /// (low, high, decimals) of a resting adult, by LOINC code.
    static let normal: [String: (Double, Double, Int)] = [
        "2708-6": (94, 99, 0),     // oxygen saturation, %
        "8867-4": (58, 95, 0),     // heart rate, /min
        "9279-1": (12, 19, 0),     // respiratory rate, /min
        "8310-5": (36.3, 37.4, 1), // body temperature, Cel
        "8480-6": (108, 135, 0),   // systolic, mm[Hg]
        "8462-4": (66, 86, 0),     // diastolic, mm[Hg]
    ]

    init(device: String, profile: DeviceProfile) {
        self.device = device
        self.profile = profile
        for m in profile.metrics {
            let (lo, hi, _) = Self.normal[m.loinc] ?? (m.min.double, m.max.double, 0)
            current[m.key] = (lo + hi) / 2
        }
    }

    mutating func payload(boot: UInt32, seq: UInt64, ts: Int64) -> String {
        var fields = ["\"device\":\"\(device)\"", "\"boot\":\(boot)", "\"seq\":\(seq)", "\"ts\":\(ts)"]
        for m in profile.metrics {
            let (lo, hi, decimals) = Self.normal[m.loinc] ?? (m.min.double, m.max.double, 0)
            var v = current[m.key]! + Double.random(in: -1...1) * (hi - lo) / 20
            v = min(hi, max(lo, v))
            current[m.key] = v
            fields.append("\"\(m.key)\":\(format(v, decimals))")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Malformed or implausible messages of several kinds, for demos of rejection.
    func invalidPayload(seq: UInt64, variant: Int) -> String {
        let key = profile.metrics.first?.key ?? "hr"
        switch variant % 4 {
        case 0: return "{\"device\":\"\(device)\",\"seq\":\(seq),\"ts\":0,\"\(key)\":1}"          // ts far in the past
        case 1: return "{\"device\":\"\(device)\",\"seq\":\(seq),"                                 // truncated JSON
        case 2: return "{\"device\":\"\(device)\",\"seq\":-1,\"ts\":1,\"\(key)\":1}"               // negative seq
        default: return "{\"device\":\"\(device)\",\"seq\":\(seq),\"ts\":1,\"\(key)\":99999}"     // out of range
        }
    }

    func format(_ v: Double, _ decimals: Int) -> String {
        if decimals == 0 { return String(Int(v.rounded())) }
        let scaled = Int((v * 10).rounded())
        return "\(scaled / 10).\(abs(scaled % 10))"
    }
}
