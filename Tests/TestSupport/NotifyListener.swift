import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The systemd side of sd_notify(3) for a test: a unix datagram socket at
/// `path` (give it to the agent as NOTIFY_SOCKET), read on a thread; every
/// message kept with the time it came.
public final class NotifyListener: @unchecked Sendable {
    public let path: String
    private let directory: TemporaryDirectory
    private let fd: Int32
    private let lock = NSLock()
    private var received: [(at: Date, text: String)] = []
    private var stopping = false
    private var thread: Thread?

    public init() throws {
        directory = try TemporaryDirectory("vitalgate-notify")
        path = directory.file("notify.sock")
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket(AF_UNIX, SOCK_DGRAM) failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { for (i, b) in bytes.enumerated() { $0[i] = b } }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw HarnessError("bind \(path) failed: errno \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in receive() }
        self.thread = thread
        thread.start()
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !lock.withLock({ stopping }) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { continue }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            lock.withLock { received.append((Date(), text)) }
        }
    }

    /// Every message so far, split into its `KEY=value` lines, with when it came.
    public var lines: [(at: Date, line: String)] {
        lock.withLock { received.flatMap { m in m.text.split(separator: "\n").map { (m.at, String($0)) } } }
    }

    public func count(_ line: String, since: Date = .distantPast) -> Int {
        lines.filter { $0.line == line && $0.at >= since }.count
    }

    public func stop() {
        lock.withLock { stopping = true }
        usleep(300_000)
        close(fd)
        directory.remove()
    }
}
