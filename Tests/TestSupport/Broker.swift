import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real mosquitto broker for tests, listening on 127.0.0.1 only, with its
/// configuration and logs in its own temporary directory (the shipped
/// configurations keep nothing else on disk: persistence is off).
///
/// It runs the configuration the project ships (Provisioning/mosquitto.conf,
/// with its queue limits that keep QoS 1 bursts from being dropped), with
/// the port and state folder filled in; tests may append lines. With
/// `secured:` it runs the deployment configuration instead
/// (Provisioning/mosquitto-gateway.conf.in): a TLS listener for devices on
/// `tlsPort`, the agent's loopback listener on `port`, passwords, ACLs, no
/// anonymous access.
public final class Broker: @unchecked Sendable {
    public let port: UInt16
    /// The TLS listener of a `secured` broker.
    public let tlsPort: UInt16?
    /// The temporary directory holding `mosquitto.conf` and one log per run
    /// (`mosquitto-<n>.log`).
    public let directory: String
    private let temporary: TemporaryDirectory
    private let lock = NSLock()
    private var process: ChildProcess?
    private var runs = 0

    public static let executable = "/usr/sbin/mosquitto"

    /// Writes the configuration and starts the broker; returns once it
    /// accepts connections. `allowAnonymous: false` expects `extraConfig`
    /// to name a `password_file` (see `writePasswordFile`) and, optionally,
    /// an `acl_file`. `extraConfig` lines are appended verbatim.
    public init(extraConfig: [String] = [], allowAnonymous: Bool = true) throws {
        temporary = try TemporaryDirectory("vitalgate-mosquitto")
        directory = temporary.path
        port = try freeLoopbackPort()
        tlsPort = nil
        let template = try String(contentsOfFile: repositoryRoot() + "/Provisioning/mosquitto.conf", encoding: .utf8)
        var lines = template
            .replacingOccurrences(of: "@PORT@", with: String(port))
            .replacingOccurrences(of: "@STATE@", with: directory)
            .components(separatedBy: "\n")
            .filter { !$0.hasPrefix("log_dest") && !$0.hasPrefix("allow_anonymous") }
        lines += ["allow_anonymous \(allowAnonymous)", "log_dest stderr", "log_type information", "connection_messages true"]
        try start(lines + extraConfig)
    }

    /// The deployment configuration with `security`'s files, both listeners on 127.0.0.1.
    /// `removing` drops every line setting one of those options (for
    /// controls that show what a shipped setting prevents).
    public init(secured security: BrokerSecurity, extraConfig: [String] = [], removing: Set<String> = []) throws {
        temporary = try TemporaryDirectory("vitalgate-mosquitto")
        directory = temporary.path
        port = try freeLoopbackPort()
        var tls = try freeLoopbackPort()
        while tls == port { tls = try freeLoopbackPort() }
        tlsPort = tls
        let values = [
            "@TLS_BIND@": "127.0.0.1", "@TLS_PORT@": String(tls), "@LOCAL_PORT@": String(port),
            "@CA_FILE@": security.certificates.caFile, "@CERT_FILE@": security.certificates.certFile,
            "@KEY_FILE@": security.certificates.keyFile, "@PASSWORD_FILE@": security.passwordFile,
            "@ACL_FILE@": security.aclFile, "@PID_FILE@": security.pidFile,
        ]
        var text = try String(contentsOfFile: repositoryRoot() + "/Provisioning/mosquitto-gateway.conf.in", encoding: .utf8)
        for (name, value) in values { text = text.replacingOccurrences(of: name, with: value) }
        guard text.range(of: "@[A-Z_]+@", options: .regularExpression) == nil else {
            throw HarnessError("mosquitto-gateway.conf.in has a placeholder this harness does not fill")
        }
        let lines = text.components(separatedBy: "\n")
            .filter { !$0.hasPrefix("log_dest") && !removing.contains(String($0.prefix { $0 != " " })) }
            + ["log_dest stderr", "log_type information"]
        try start(lines + extraConfig)
    }

    private func start(_ configuration: [String]) throws {
        var lines = configuration
        // As root, mosquitto drops privileges to user "mosquitto", who
        // cannot write this directory; stay root for the test.
        if getuid() == 0 { lines.append("user root") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
        try launch()
    }

    public var configPath: String { temporary.file("mosquitto.conf") }

    private func launch() throws {
        let child: ChildProcess = try lock.withLock {
            runs += 1
            let child = try ChildProcess(name: "mosquitto", executable: Self.executable,
                                         arguments: ["-c", configPath],
                                         logPath: temporary.file("mosquitto-\(runs).log"))
            process = child
            return child
        }
        do {
            try waitUntil(timeout: 10, "mosquitto to listen on 127.0.0.1:\(port)") {
                guard child.isRunning else {
                    throw HarnessError("mosquitto exited at start-up:\n\(child.output())")
                }
                return loopbackPortAccepts(port)
            }
        } catch {
            child.kill9()
            throw error
        }
    }

    /// The current run's log (for failure messages).
    public func output() -> String { lock.withLock { process?.output() ?? "" } }

    /// SIGTERM: mosquitto exits (saving a persistence file only if a test turned persistence on).
    public func stop() { lock.withLock { process }?.stop(grace: 10) }

    /// SIGKILL: the broker dies without saving, as in a crash or power loss.
    public func kill9() { lock.withLock { process }?.kill9() }

    /// Stops the broker if it runs, then starts it again on the same port
    /// with the same configuration; without persistence, nothing queued survives.
    public func restart() throws {
        stop()
        try launch()
    }

    /// Writes a mosquitto password file for `users` (name, password) with
    /// `mosquitto_passwd -b`; reference it with `password_file <path>`.
    public static func writePasswordFile(at path: String, users: [(name: String, password: String)]) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data()) else {
            throw HarnessError("cannot create password file \(path)")
        }
        for user in users {
            let tool = Process()
            tool.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_passwd")
            tool.arguments = ["-b", path, user.name, user.password]
            try tool.run()
            tool.waitUntilExit()
            guard tool.terminationStatus == 0 else {
                throw HarnessError("mosquitto_passwd failed for user \(user.name) (status \(tool.terminationStatus))")
            }
        }
    }

    deinit {
        stop()
        temporary.remove()
    }
}
