import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Errors from the test harness; each says what a person would check.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A free TCP port on 127.0.0.1, found by binding port 0 and reading it back.
/// The port is released before returning; the caller binds it soon after.
public func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw HarnessError("bind(127.0.0.1:0) failed: errno \(errno)") }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return UInt16(bigEndian: addr.sin_port)
}

/// True when something accepts TCP connections on 127.0.0.1:`port`.
public func loopbackPortAccepts(_ port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
public func waitUntil(timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        usleep(50_000)
    }
    throw HarnessError("timed out after \(timeout) s waiting for \(what)")
}

/// A fresh temporary directory under $TMPDIR (or /tmp), removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String
    public init(_ prefix: String = "vitalgate-test") throws {
        var template = Array("\(NSTemporaryDirectory())/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HarnessError("mkdtemp failed: errno \(errno)")
        }
        path = String(cString: made)
    }
    public func file(_ name: String) -> String { "\(path)/\(name)" }
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A child process the tests started. It is stopped by PID: SIGTERM, then
/// SIGKILL if it has not exited within `grace` seconds.
public final class ChildProcess: @unchecked Sendable {
    public let process: Process
    public let name: String
    public let logPath: String

    /// Starts `executable` with `arguments`; stdout and stderr go to `logPath`.
    public init(name: String, executable: String, arguments: [String], logPath: String,
                environment: [String: String]? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw HarnessError("\(executable) is not installed or not executable (run `make deps`)")
        }
        self.name = name
        self.logPath = logPath
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` to the process by PID.
    public func send(_ signal: Int32) { if process.isRunning { kill(pid, signal) } }

    /// SIGTERM, wait up to `grace` seconds, then SIGKILL; waits for exit.
    public func stop(grace: Double = 10) {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGKILL and wait: a crash, as far as the process can tell.
    public func kill9() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// The process's output so far (for failure messages).
    public func output() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit { stop(grace: 5) }
}
