#if canImport(Glibc)
import Glibc
#endif

/// The agent's side of systemd's notify protocol (sd_notify(3)), spoken
/// directly: one datagram per message to the AF_UNIX socket named by
/// `NOTIFY_SOCKET`, so no libsystemd is linked. Without `NOTIFY_SOCKET`
/// (not started by systemd with `Type=notify`) every call does nothing.
public final class SystemdNotifier: Sendable {
    private let fd: Int32
    /// The socket address: a path, or an abstract name (`@` in the variable, a NUL byte here).
    private let address: [UInt8]
    /// `WatchdogSec=` as systemd passed it (`WATCHDOG_USEC`); nil without a watchdog.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String]) {
        let pidMatches = environment["WATCHDOG_PID"].flatMap { Int32($0) }.map { $0 == getpid() } ?? true
        if pidMatches, let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            watchdogInterval = .microseconds(usec)
        } else {
            watchdogInterval = nil
        }
        guard let socketName = environment["NOTIFY_SOCKET"], !socketName.isEmpty,
              socketName.hasPrefix("/") || socketName.hasPrefix("@"),
              socketName.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            fd = -1
            address = []
            return
        }
        var bytes = Array(socketName.utf8)
        if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }
        address = bytes
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    deinit { if fd >= 0 { close(fd) } }

    public var isActive: Bool { fd >= 0 }

    /// Sends `message` (`READY=1`, `STATUS=…`, `WATCHDOG=1`, or several
    /// separated by newlines). Failures are ignored: systemd is told nothing
    /// it needs for correctness, only for supervision.
    public func notify(_ message: String) {
        guard fd >= 0 else { return }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { path in
            for (i, b) in address.enumerated() { path[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count)
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
    }
}
