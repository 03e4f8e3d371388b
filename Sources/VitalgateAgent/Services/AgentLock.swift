#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock(2)` on `<home>/agent.lock`, held by `vitalgate run`
/// for its whole life, so that a second agent, or `rotate-key` (which
/// replaces the key the agent signs with), cannot run beside it. The kernel
/// drops the lock when the process dies, however it dies.
public final class AgentLock: Sendable {
    private let fd: Int32

    /// Takes the lock or throws at once, naming what holds it.
    /// - Parameter purpose: what the caller is, for the message.
    public init(home: GatewayHome, purpose: String) throws {
        let path = Self.path(home)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(fd)
            throw StoreError(busy
                ? "\(purpose): the agent is running on \(home.path) (it holds \(path)); stop it first (e.g. `systemctl stop vitalgate`)"
                : "\(purpose): cannot lock \(path): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        // Who holds it, for `status` (AgentPresence): the kernel keeps the
        // lock, this line only names the holder.
        let holder = Array("\(getpid()) \(purpose)\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = holder.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
    }

    public static func path(_ home: GatewayHome) -> String { home.path + "/agent.lock" }

    deinit { close(fd) }
}
