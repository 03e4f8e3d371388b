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
        let path = home.path + "/agent.lock"
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
    }

    deinit { close(fd) }
}
