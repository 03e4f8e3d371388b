#if canImport(Glibc)
import Glibc
#endif
import SQLiteStore

/// The broker's password file and ACL file, rewritten whole from the
/// database on every enrolment change (so they can never drift from it),
/// and the broker reload that makes them take effect (docs/security.md).
public struct BrokerFiles: Sendable {
    public let passwordFile: String
    public let aclFile: String
    public let pidFile: String?

    /// The paths from the settings `broker_password_file`, `broker_acl_file`
    /// and `broker_pid_file` (environment first, then the config file);
    /// the first two default to `<home>/broker/passwd` and `<home>/broker/acl`.
    public init(home: GatewayHome, file: ConfigFile, environment: [String: String]) {
        func value(_ key: String) -> String? { Setting.resolve(key, environment: environment, file: file) }
        passwordFile = value("broker_password_file") ?? home.brokerDirectory + "/passwd"
        aclFile = value("broker_acl_file") ?? home.brokerDirectory + "/acl"
        pidFile = value("broker_pid_file")
    }

    public init(passwordFile: String, aclFile: String, pidFile: String?) {
        self.passwordFile = passwordFile
        self.aclFile = aclFile
        self.pidFile = pidFile
    }

    /// Writes both files from the agent's and the enrolled devices' entries.
    public func write(_ db: Database) throws {
        let agent = try BrokerAccount.agent(db)
        let devices = try db.prepare("SELECT id, broker_line FROM devices WHERE status = 'enrolled' AND broker_line IS NOT NULL ORDER BY id")
            .rows { ($0.text(0) ?? "", $0.text(1) ?? "") }
        let lines = [agent?.line].compactMap { $0 } + devices.map(\.1)
        try Self.replace(passwordFile, lines.map { $0 + "\n" }.joined())
        try Self.replace(aclFile, BrokerACL.render(agentUser: agent?.user, devices: devices.map(\.0)))
    }

    /// Sends SIGHUP to the broker named by the pid file: mosquitto 2.0
    /// re-reads its password and ACL files on SIGHUP and disconnects clients
    /// whose credentials no longer hold. Returns what happened, for the operator.
    public func reload() -> String {
        guard let pidFile else {
            return "broker not reloaded (no broker_pid_file setting): reload it yourself, e.g. `systemctl reload vitalgate-broker`"
        }
        guard let text = try? Files.readText(pidFile), let pid = Int32(text.trimmingSpaces().split(separator: "\n").first ?? ""), pid > 1 else {
            return "broker not reloaded: no pid in \(pidFile) (is the broker running?)"
        }
        guard kill(pid, SIGHUP) == 0 else {
            return "broker not reloaded: SIGHUP to pid \(pid) failed: \(String(cString: strerror(errno)))"
        }
        return "broker reloaded (SIGHUP to pid \(pid))"
    }

    /// Replaces `path` atomically (temporary file, fsync, rename), mode 0640:
    /// the broker reads it, perhaps as a group member; nobody else may.
    static func replace(_ path: String, _ text: String) throws {
        try Files.replace(Array(text.utf8), at: path, mode: 0o640)
    }
}
