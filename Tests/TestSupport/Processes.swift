import Foundation
// ChildProcess, freeLoopbackPort and loopbackPortAccepts live in LocalProcesses,
// shared with the bench; every test that imports TestSupport has them.
@_exported import LocalProcesses
#if canImport(Glibc)
import Glibc
#endif

/// Errors from the test harness; each says what a person would check.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// How much longer than written every `waitUntil` waits: `make test-tsan`
/// sets VITALGATE_TEST_TIME_SCALE, since ThreadSanitizer makes the agent
/// several times slower (what is waited for must still happen; only later).
public let testTimeScale: Double = ProcessInfo.processInfo.environment["VITALGATE_TEST_TIME_SCALE"].flatMap(Double.init).map { max(1, $0) } ?? 1

/// Polls `condition` every 50 ms until it holds or `timeout` seconds
/// (times `testTimeScale`) pass.
public func waitUntil(timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
    let limit = timeout * testTimeScale
    let deadline = Date().addingTimeInterval(limit)
    while Date() < deadline {
        if try condition() { return }
        usleep(50_000)
    }
    throw HarnessError("timed out after \(limit) s waiting for \(what)")
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
