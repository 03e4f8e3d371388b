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
