#if canImport(Glibc)
import Glibc
#endif

/// A process the bench started, stopped by its PID only (SIGTERM, then
/// SIGKILL after a grace period), never by name.
///
/// Spawned with posix_spawn, an empty signal mask and default handlers, so
/// SIGTERM reaches it whatever this process blocks.
final class ChildProcess {
    let name: String
    let pid: pid_t
    let logPath: String
    private(set) var exitStatus: Int32?

    /// Starts `executable` with `arguments`; stdout and stderr append to `logPath`.
    init(name: String, executable: String, arguments: [String], logPath: String) throws {
        guard Files.isExecutable(executable) else {
            throw BenchError("\(executable) is not installed or not executable (run `make deps`)")
        }
        self.name = name
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child = pid_t()
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw BenchError("posix_spawn \(executable) failed: \(String(cString: strerror(rc)))") }
        pid = child
    }

    /// Reaps the child if it has exited; true while it runs.
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            exitStatus = status
            return false
        }
        return true
    }

    /// Waits up to `timeout` seconds for the child to exit by itself.
    @discardableResult
    func wait(timeout: Double) -> Bool {
        (try? waitUntil(timeout: timeout, interval: 0.01, "\(name) to exit") { !isRunning }) != nil
    }

    /// SIGTERM, then SIGKILL if still running after `grace` seconds; reaps it.
    func stop(grace: Double = 10) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if !wait(timeout: grace) {
            kill(pid, SIGKILL)
            wait(timeout: 5)
        }
    }

    /// The end of the child's log, for error messages.
    func logTail(_ bytes: Int = 2000) -> String {
        String((Files.read(logPath) ?? "").suffix(bytes))
    }

    /// Runs a command to completion; throws with its log if it fails.
    static func run(_ executable: String, _ arguments: [String], logPath: String, timeout: Double = 60) throws {
        let child = try ChildProcess(name: executable, executable: executable, arguments: arguments, logPath: logPath)
        guard child.wait(timeout: timeout) else {
            child.stop(grace: 1)
            throw BenchError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        guard let status = child.exitStatus, status == 0 else {
            throw BenchError("\(executable) \(arguments.joined(separator: " ")) failed:\n\(child.logTail())")
        }
    }
}
