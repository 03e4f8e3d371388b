#if canImport(Glibc)
import Glibc
#endif
import FileIO
import Threads

/// A failure to start or run a local process, with what a person would check.
public struct ProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A child process (a broker, a ledger node, the agent) that tests and the
/// bench start on this machine and stop by PID: SIGTERM, then SIGKILL if it
/// has not exited within the grace period. Its stdout and stderr go to
/// `logPath`.
///
/// Spawned with posix_spawn and an empty signal mask with default handlers:
/// the test runner's threads block signals, and a child inheriting that mask
/// (as with Foundation.Process) would never see SIGTERM.
public final class ChildProcess: Sendable {
    public let name: String
    public let logPath: String
    public let pid: pid_t
    /// Set once the child is reaped; the lock also keeps two threads from reaping it at once.
    private let exitStatus = LockedBox<Int32?>(nil)

    /// Starts `executable` with `arguments`; `environment` is added to this process's.
    public init(name: String, executable: String, arguments: [String], logPath: String,
                environment: [String: String]? = nil) throws {
        guard Files.isExecutable(executable) else {
            throw ProcessError("\(executable) is not installed or not executable (run `make deps`)")
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
        let envp = Self.environment(adding: environment ?? [:]).map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child = pid_t()
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw ProcessError("posix_spawn \(executable) failed: \(String(cString: strerror(rc)))") }
        pid = child
    }

    /// This process's environment with `extra` set over it, as `NAME=value` entries.
    static func environment(adding extra: [String: String]) -> [String] {
        var entries: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            let name = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
            if extra[name] == nil { entries.append(text) }
            pointer += 1
        }
        return entries + extra.map { "\($0.key)=\($0.value)" }
    }

    /// Reaps the child if it has exited; returns its status.
    private func poll(block: Bool) -> Int32? {
        exitStatus.withLock { exitStatus in
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            guard waitpid(pid, &status, block ? 0 : WNOHANG) == pid else { return nil }
            // WIFEXITED: low 7 bits zero; the exit code is then bits 8-15. Otherwise 128 + signal.
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return exitStatus
        }
    }

    public var isRunning: Bool { poll(block: false) == nil }

    /// The exit status (128 + signal if killed by one); nil while running.
    public var terminationStatus: Int32? { poll(block: false) }

    /// Sends `signal` to the process by PID.
    public func send(_ signal: Int32) { if isRunning { kill(pid, signal) } }

    /// Waits up to `timeout` seconds for the process to exit by itself; its status, or nil if still running.
    @discardableResult
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while isRunning && ContinuousClock.now < deadline {
            ThreadSleep.for(.milliseconds(10))
        }
        return terminationStatus
    }

    /// SIGTERM, wait up to `grace` seconds, then SIGKILL; waits for exit.
    public func stop(grace: Double = 10) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if waitForExit(timeout: grace) == nil { kill(pid, SIGKILL) }
        _ = poll(block: true)
    }

    /// SIGKILL and wait: a crash, as far as the process can tell.
    public func kill9() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        _ = poll(block: true)
    }

    /// The process's output so far.
    public func output() -> String {
        (try? Files.readText(logPath)) ?? ""
    }

    /// The whole file at `path` (its log, a /proc entry), or nil if it cannot be opened.
    /// The end of the output, for error messages.
    public func logTail(_ characters: Int = 2000) -> String { String(output().suffix(characters)) }

    /// Runs a command to completion; throws with its output if it fails or outlasts `timeout`.
    public static func run(_ executable: String, _ arguments: [String], logPath: String, timeout: Double = 60) throws {
        let child = try ChildProcess(name: executable, executable: executable, arguments: arguments, logPath: logPath)
        guard let status = child.waitForExit(timeout: timeout) else {
            child.stop(grace: 1)
            throw ProcessError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        guard status == 0 else {
            throw ProcessError("\(executable) \(arguments.joined(separator: " ")) failed (\(status)):\n\(child.logTail())")
        }
    }

    deinit { stop(grace: 5) }
}

extension ChildProcess {
    /// Sends SIGSTOP and waits until every thread of the process is stopped
    /// (state `T` in /proc/<pid>/task/<tid>/stat, proc(5)). kill(2) only
    /// queues the signal: on a busy machine a request sent right after it
    /// could still be answered by a thread not yet stopped. Returns false if
    /// the process did not stop within `timeout` seconds.
    @discardableResult
    public func freeze(timeout: Double = 10) -> Bool {
        send(SIGSTOP)
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if let states = threadStates(), !states.isEmpty, states.allSatisfy({ $0 == UInt8(ascii: "T") }) { return true }
            ThreadSleep.for(.milliseconds(5))
        }
        return false
    }

    /// SIGCONT.
    public func thaw() { send(SIGCONT) }

    /// The state letter of each thread, or nil if /proc cannot be read.
    private func threadStates() -> [UInt8]? {
        guard let threads = try? Files.list("/proc/\(pid)/task") else { return nil }
        var states: [UInt8] = []
        for name in threads {
            guard let first = name.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { continue }
            guard let stat = try? Files.read("/proc/\(pid)/task/\(name)/stat"),
                  let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count else { continue }
            states.append(stat[close + 2])  // "pid (comm) S ..."
        }
        return states
    }
}
