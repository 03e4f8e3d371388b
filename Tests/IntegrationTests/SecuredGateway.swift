import Foundation
import TestSupport

/// A provisioned gateway behind the shipped deployment broker configuration
/// (Provisioning/mosquitto-gateway.conf.in: TLS for devices, the agent on
/// loopback, passwords and ACLs written by `provision` and `device add`).
/// Each enrolled device's password is in `passwordDirectory/<id>.password`,
/// as `vitalgate simulate --password-dir` reads them. The agent is not started.
final class SecuredGateway: @unchecked Sendable {
    let certificates: TestCertificates
    let gateway: GatewayFixture
    let broker: Broker
    let passwordDirectory: String

    /// - Parameters:
    ///   - devices: (id, profile) to enrol through `vitalgate device add`.
    ///   - brokerConfig: lines appended to the broker's configuration, given the gateway's home.
    ///   - removing: options dropped from the shipped configuration (controls).
    init(devices: [(String, String)], brokerConfig: (_ home: String) -> [String] = { _ in [] },
         removing: Set<String> = []) throws {
        certificates = try TestCertificates()
        let pidFile = certificates.directory.file("mosquitto.pid")
        do {
            gateway = try GatewayFixture(settings: [
                "ledger_url": "http://127.0.0.1:9", "ledger_user": "none", "ledger_password": "none",
                "anchor_interval": "3600", "broker_pid_file": pidFile,
            ], devices: [])
        } catch {
            certificates.remove()
            throw error
        }
        passwordDirectory = gateway.directory.file("passwords")
        do {
            try FileManager.default.createDirectory(atPath: passwordDirectory, withIntermediateDirectories: true)
            for (id, profile) in devices {
                let r = try runVitalgate(["device", "add", id, "--profile", profile, "--home", gateway.home,
                                          "--password-out", "\(passwordDirectory)/\(id).password"])
                guard r.status == 0 else { throw HarnessError("device add \(id): \(r.stderr)") }
            }
            broker = try Broker(secured: BrokerSecurity(
                passwordFile: gateway.home + "/broker/passwd", aclFile: gateway.home + "/broker/acl", pidFile: pidFile,
                certificates: certificates), extraConfig: brokerConfig(gateway.home), removing: removing)
        } catch {
            gateway.remove()
            certificates.remove()
            throw error
        }
    }

    /// The TLS listener devices use.
    var tlsPort: UInt16 { broker.tlsPort! }

    /// Flags for `vitalgate run` and the agent's loopback listener.
    var agentArguments: [String] { ["--mqtt-port", String(broker.port)] }

    func password(_ id: String) -> String {
        contents("\(passwordDirectory)/\(id).password").trimmingCharacters(in: .newlines)
    }

    /// Device `id` logged in with its own password over TLS, sending `clientID` (default: a unique one).
    func device(_ id: String, clientID: String? = nil) throws -> SecureDevice {
        try SecureDevice(id: id, user: id, password: password(id), port: tlsPort, caFile: certificates.caFile, clientID: clientID)
    }

    func remove() {
        gateway.remove()
        broker.stop()
        certificates.remove()
    }
}
