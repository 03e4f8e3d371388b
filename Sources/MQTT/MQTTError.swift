import CMosquitto

/// A failed libmosquitto call, or a broker's refusal of the connection.
public struct MQTTError: Error, CustomStringConvertible {
    /// A `mosq_err_t` value, or for `operation == "connect"` the CONNACK
    /// return code (MQTT 3.1.1 section 3.2.2.3).
    public let code: Int32
    /// What was being done, e.g. "mosquitto_connect_async 127.0.0.1:1883".
    public let operation: String
    /// A sentence for a person: the operation and libmosquitto's text for
    /// the code. Captured when the error is made, since `MOSQ_ERR_ERRNO`'s
    /// text comes from the current `errno`.
    public let description: String

    /// An error from a libmosquitto call that returned `code`.
    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
        let reason = String(cString: mosquitto_strerror(code))
        self.description = "MQTT \(operation) failed: \(reason) (mosquitto error \(code))"
    }

    /// The broker refused the connection with CONNACK return code `code`
    /// (e.g. 5, "not authorised": check the username, password and ACL).
    public static func connectionRefused(_ code: Int32) -> MQTTError {
        MQTTError(code: code, operation: "connect",
                  description: "MQTT broker refused the connection: \(String(cString: mosquitto_connack_string(code))) (CONNACK \(code))")
    }

    private init(code: Int32, operation: String, description: String) {
        self.code = code
        self.operation = operation
        self.description = description
    }
}

/// `mosq_err_t` values as the `Int32` the functions return.
enum MosquittoResult {
    static let success = Int32(MOSQ_ERR_SUCCESS.rawValue)
    static let invalid = Int32(MOSQ_ERR_INVAL.rawValue)
    static let noMemory = Int32(MOSQ_ERR_NOMEM.rawValue)
    static let noConnection = Int32(MOSQ_ERR_NO_CONN.rawValue)
    static let errno = Int32(MOSQ_ERR_ERRNO.rawValue)
    static let payloadSize = Int32(MOSQ_ERR_PAYLOAD_SIZE.rawValue)
}
