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
