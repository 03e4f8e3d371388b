import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Test helpers for running the real mosquitto tools. (TestSupport has the
// same kind of helpers, but SodiumTests does not depend on it in Package.swift.)

struct ToolError: Error, CustomStringConvertible { let description: String }

/// Runs `executable` to completion; returns its exit status and combined output.
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    guard FileManager.default.isExecutableFile(atPath: executable) else {
        throw ToolError(description: "\(executable) is not installed (apt-get install mosquitto mosquitto-clients)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

/// A free TCP port on 127.0.0.1 (bind port 0, read it back, release it).
func freeLoopbackPortForBroker() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ToolError(description: "socket: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let status = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1 }
    }
    guard status == 0 else { throw ToolError(description: "bind/getsockname 127.0.0.1:0: errno \(errno)") }
    return UInt16(bigEndian: address.sin_port)
}

/// A mosquitto broker on 127.0.0.1 that requires a password from `passwordFile`.
/// Stopped (SIGTERM by PID) by `stop()`.
final class PasswordBroker {
    let port: UInt16
    private let process = Process()
    private let logPath: String

    init(passwordFile: String, directory: String) throws {
        port = try freeLoopbackPortForBroker()
        let config = directory + "/mosquitto.conf"
        // As root, mosquitto would drop to user "mosquitto", who cannot read
        // the 0600 password file in a 0700 directory; "user root" keeps root.
        logPath = directory + "/mosquitto.log"
        try """
            listener \(port) 127.0.0.1
            allow_anonymous false
            password_file \(passwordFile)
            persistence false
            log_dest stderr
            \(getuid() == 0 ? "user root" : "")
            """.write(toFile: config, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
        process.arguments = ["-c", config]
        process.standardOutput = logHandle
        process.standardError = logHandle
        try withUnblockedSignals { try process.run() }
        // Ready once the listener accepts TCP connections.
        let deadline = Date().addingTimeInterval(10)
        while !accepts() {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw ToolError(description: "mosquitto did not start on port \(port): \(log())")
            }
            usleep(50_000)
        }
    }

    private func accepts() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Publishes one message as `user`; true if the broker accepted the login.
    func publish(user: String, password: String) throws -> Bool {
        try run("/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", String(port), "-u", user, "-P", password,
                                           "-t", "t", "-m", "x", "-q", "1"]).status == 0
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM by PID, then SIGKILL if it is still running after 5 s.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// Runs `body` with no signals blocked on this thread. Test threads may
/// block SIGTERM; a child spawned from one inherits that mask and would
/// ignore `stop()`'s SIGTERM.
private func withUnblockedSignals<R>(_ body: () throws -> R) rethrows -> R {
    var none = sigset_t(), previous = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try body()
}
