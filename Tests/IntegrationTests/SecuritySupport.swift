import Foundation
import JSON
import MQTT
import TestSupport
import Vitals

/// A device for the security tests: its own broker login, over TLS when
/// given a CA file, recording what it receives.
final class SecureDevice: @unchecked Sendable {
    let id: String
    let client: MQTTClient
    private let lock = NSLock()
    private var receivedTopics: [String] = []
    private var ackedSeqs: Set<UInt64> = []
    private var lostConnections = 0
    private var pubacks = 0

    /// Connects and waits up to `timeout` seconds; `connected` says whether the broker let it in.
    /// `clientID` is the MQTT client id it sends (default: `id` and a random suffix).
    init(id: String, user: String?, password: String?, port: UInt16, caFile: String?, timeout: Double = 5,
         clientID: String? = nil) throws {
        self.id = id
        MQTTLibrary.initialize()
        var config = MQTTClient.Configuration(clientID: clientID ?? "\(id)-\(UUID().uuidString.prefix(6))", cleanSession: true)
        config.port = port
        config.username = user
        config.password = password
        config.tlsCAFile = caFile
        config.reconnectDelay = (5, 5)
        client = try MQTTClient(config)
        client.onMessage = { [weak self] message in
            guard let self else { return }
            let ack = (try? JSONParser.parse(message.payload)).flatMap { try? Acknowledgement(json: $0) }
            self.lock.withLock {
                self.receivedTopics.append(message.topic)
                for range in ack?.acked ?? [] { self.ackedSeqs.formUnion(range) }
            }
        }
        // A refusal (CONNACK code, or the connection dropped, as when TLS fails) ends the wait early.
        client.onConnect = { [weak self] rc, _ in
            guard let self, rc != 0 else { return }
            self.lock.withLock { self.refused = true }
        }
        client.onPublish = { [weak self] _ in
            guard let self else { return }
            self.lock.withLock { self.pubacks += 1 }
        }
        client.onDisconnect = { [weak self] _ in
            guard let self else { return }
            self.lock.withLock {
                self.refused = true
                self.lostConnections += 1
            }
        }
        try client.start()
        let deadline = Date().addingTimeInterval(timeout)
        while !client.isConnected && !lock.withLock({ refused }) && Date() < deadline { usleep(20_000) }
        connected = client.isConnected
    }

    private var refused = false
    private(set) var connected = false

    var received: [String] { lock.withLock { receivedTopics } }

    /// Every seq acknowledged end to end on the ack topics it reads.
    var acked: Set<UInt64> { lock.withLock { ackedSeqs } }

    /// How often its connection went down (the broker closed it, or `stop()`).
    var disconnects: Int { lock.withLock { lostConnections } }

    /// QoS 1 publishes the broker has acknowledged (PUBACK).
    var acknowledgedByBroker: Int { lock.withLock { pubacks } }

    /// A thermometer reading of this device (or of `device`), as JSON text.
    static func thermometer(device: String, seq: Int, temp: String, ts: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) -> [UInt8] {
        Array("{\"device\":\"\(device)\",\"boot\":1,\"seq\":\(seq),\"ts\":\(ts),\"temp\":\(temp)}".utf8)
    }

    func publish(_ topic: String, _ payload: [UInt8]) throws {
        try client.publish(topic: topic, payload: payload, qos: 1)
    }

    func stop() { client.stop() }
}

/// Reads a file the test wrote or a command produced; "" if it is missing.
func contents(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

/// The raw bytes of a file, empty if missing (for searching SQLite files).
func bytes(_ path: String) -> [UInt8] {
    (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs anywhere in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var i = 0
        while i <= count - needle.count {
            if self[i] == first && Array(self[i..<i + needle.count]) == needle { return true }
            i += 1
        }
        return false
    }
}

/// Writes `text` to a new file of mode 0600 (passphrase files).
func writePrivate(_ path: String, _ text: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
        throw HarnessError("cannot create \(path)")
    }
}
