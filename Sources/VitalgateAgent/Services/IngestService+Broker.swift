import Logging
import MQTT

/// The agent's broker connection as libmosquitto's callbacks report it, and
/// what has been said about it: the state goes to the status board at
/// once, the log gets one line per change and reminders while an outage
/// lasts (libmosquitto reports a failed reconnection attempt only once).
struct BrokerWatch {
    var connected = false
    var everConnected = false
    /// The last attempt was refused (CONNACK ≠ 0); its disconnect adds nothing.
    var refused = false
    /// When the connection went down, or the agent started without one.
    var downSince = ContinuousClock.now
    var downSinceMillis = WallClock.nowMillis()
    /// Why it is down, in words; nil until an attempt failed.
    var reason: String?
    /// When the outage was last logged, and how many reminders followed.
    var lastLogged = ContinuousClock.now
    var reminders = 0
    var stopping = false

    mutating func wentDown(_ reason: String) {
        if connected || everConnected == false && self.reason == nil {
            downSince = .now
            downSinceMillis = WallClock.nowMillis()
            reminders = 0
        }
        connected = false
        lastLogged = .now
        self.reason = reason
    }
}

extension IngestService {
    var brokerAddress: String { "\(config.mqttHost):\(config.mqttPort)" }

    /// How long without any answer before the broker counts as unreachable.
    static let brokerGrace = Duration.seconds(10)
    /// An outage is logged again after a minute, then every ten.
    static let brokerReminders: (first: Duration, then: Duration) = (.seconds(60), .seconds(600))

    /// CONNACK 0: connected, or connected again.
    func brokerConnected() {
        let outage = brokerWatch.withLock { w -> Duration? in
            let outage = w.everConnected || w.reason != nil ? w.downSince.duration(to: .now) : nil
            w.connected = true
            w.everConnected = true
            w.refused = false
            w.reason = nil
            return outage
        }
        if let outage {
            logger.notice("broker \(brokerAddress): connected again after \(WallClock.duration(Int64(outage.seconds))) without a connection")
        } else {
            logger.info("broker \(brokerAddress): connected as \(config.mqttUsername.map { "user \($0)" } ?? "client id \(config.mqttClientID)")")
        }
        board.set(.broker, .ok, "connected", "to \(brokerAddress)")
    }

    /// The broker answered the CONNECT with a refusal (libmosquitto then retries).
    func brokerRefused(_ connack: Int32) {
        let hint = connack == 4 || connack == 5
            ? "; check mqtt_username (\(config.mqttUsername ?? "not set")) and mqtt_password_file against the broker's password file" : ""
        let detail = "\(brokerAddress) refused the agent's login: \(MQTTClient.refusalReason(connack)) (CONNACK \(connack))\(hint)"
        let log = brokerWatch.withLock { w -> Bool in
            let new = w.reason != detail
            w.wentDown(detail)
            w.refused = true
            return new
        }
        if log { logger.error("broker \(detail); retrying") }
        board.set(.broker, .critical, "refused", detail)
    }

    /// The connection ended (rc 0: the agent asked, at shutdown), or an attempt failed.
    func brokerLost(_ rc: Int32, reason: String) {
        if rc == 0 {
            brokerWatch.withLock { $0.stopping = true }
            logger.info("broker \(brokerAddress): disconnected (the agent is stopping)")
            return
        }
        let log = brokerWatch.withLock { w -> Bool in
            if w.refused { return false }
            let new = w.connected || w.reason != reason
            w.wentDown(reason)
            return new
        }
        guard log else { return }
        logger.warning("broker \(brokerAddress): \(reason); reconnecting")
        board.set(.broker, .critical, "disconnected", "\(brokerAddress): \(reason); reconnecting")
    }

    /// Called by the ingest thread at least every 10 s: a broker that never
    /// answered becomes `unreachable` after `brokerGrace`; an outage is
    /// logged again after a minute and then every ten.
    func checkBroker() {
        let now = ContinuousClock.now
        enum Say { case unreachable, reminder(String, Duration, Int64) }
        let say = brokerWatch.withLock { w -> Say? in
            guard !w.connected, !w.stopping else { return nil }
            if !w.everConnected && w.reason == nil && now - w.downSince >= Self.brokerGrace {
                w.reason = "no answer"
                w.lastLogged = now
                return .unreachable
            }
            guard w.reason != nil, now - w.lastLogged >= (w.reminders == 0 ? Self.brokerReminders.first : Self.brokerReminders.then) else { return nil }
            w.lastLogged = now
            w.reminders += 1
            return .reminder(w.reason ?? "", now - w.downSince, w.downSinceMillis)
        }
        switch say {
        case .unreachable:
            logger.warning("broker \(brokerAddress): no connection after \(Int(Self.brokerGrace.seconds)) s; still trying")
            board.set(.broker, .critical, "unreachable", "no connection to \(brokerAddress) yet; retrying")
        case .reminder(let reason, let down, let since):
            logger.warning("broker \(brokerAddress): still no connection after \(WallClock.duration(Int64(down.seconds))) (since \(WallClock.iso8601(millis: since))): \(reason)")
        case nil:
            break
        }
    }
}
