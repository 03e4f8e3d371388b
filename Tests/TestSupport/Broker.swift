import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real mosquitto broker for tests, listening on 127.0.0.1 only, with its
/// configuration, persistence file and logs in its own temporary directory.
///
/// Configuration choices (mosquitto.conf(5), mosquitto 2.0.11):
/// - `max_queued_messages` defaults to 1000 per client and silently drops
///   QoS 1 messages beyond that for a slow or offline subscriber; tests
///   publish bursts of thousands, so it is raised to 1,000,000, with
///   `max_queued_bytes 0` (no byte limit). `max_inflight_messages` stays at
///   20: in-flight is flow control, queued messages wait rather than drop.
/// - `persistence true` in `directory`, saved every second
///   (`autosave_interval 1`) and on a clean stop, so `restart()` keeps
///   persistent sessions and their queued messages; after `kill9()` up to
///   one second of changes is lost, as with a real crash.
public final class Broker: @unchecked Sendable {
    public let port: UInt16
    /// The temporary directory holding `mosquitto.conf`, the persistence
    /// file `mosquitto.db` and one log per run (`mosquitto-<n>.log`).
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
        var lines = [
            "per_listener_settings false",
            "listener \(port) 127.0.0.1",
            "allow_anonymous \(allowAnonymous)",
            "persistence true",
            "persistence_location \(directory)/",
            "persistence_file mosquitto.db",
            "autosave_interval 1",
            "max_queued_messages 1000000",
            "max_queued_bytes 0",
            "max_inflight_messages 20",
            "set_tcp_nodelay true",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
        ]
        // As root, mosquitto drops privileges to user "mosquitto", who
        // cannot write this directory; stay root for the test.
        if getuid() == 0 { lines.append("user root") }
        lines += extraConfig
        try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
        try launch()
    }

    public var configPath: String { temporary.file("mosquitto.conf") }

    private func launch() throws {
        let child: ChildProcess = try lock.withLock {
            runs += 1
            let child = try withUnblockedSignals {
                try ChildProcess(name: "mosquitto", executable: Self.executable,
                                 arguments: ["-c", configPath],
                                 logPath: temporary.file("mosquitto-\(runs).log"))
            }
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

    /// SIGTERM: mosquitto saves its persistence file and exits.
    public func stop() { lock.withLock { process }?.stop(grace: 10) }

    /// SIGKILL: the broker dies without saving, as in a crash or power loss.
    public func kill9() { lock.withLock { process }?.kill9() }

    /// Stops the broker if it runs, then starts it again on the same port
    /// with the same configuration and persistence file.
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

/// Runs `body` (which spawns a process) with no signals blocked on the
/// calling thread.
///
/// Why: Foundation's `Process.run` spawns from the calling thread and the
/// child inherits that thread's signal mask. Swift concurrency's worker
/// threads block SIGTERM, SIGINT, SIGHUP and more (measured here: SigBlk
/// fffffffe3bfbea27 in the child's /proc/self/status). mosquitto only
/// restores its inherited mask around epoll_wait (src/mux_epoll.c), so a
/// SIGTERM would stay pending forever and every stop would end in SIGKILL
/// after the grace period, without saving the persistence file.
private func withUnblockedSignals<R>(_ body: () throws -> R) rethrows -> R {
    var none = sigset_t()
    var previous = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try body()
}
