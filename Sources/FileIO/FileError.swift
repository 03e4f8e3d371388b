#if canImport(Glibc)
import Glibc
#endif

/// A system call on a file that failed: which call, on what path, and errno,
/// so that each caller can map it into its own error type.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call (`open`, `read`, `write`, `fsync`, `rename`, ...).
    public let call: String
    public let path: String
    public let errno: Int32

    public init(_ call: String, _ path: String, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    public var reason: String { String(cString: strerror(errno)) }

    public var description: String {
        let verb = switch call {
        case "fsync": "sync"
        case "rename": "replace"
        case "opendir": "list"
        case "mkdir": "create"
        default: call
        }
        return "cannot \(verb) \(path): \(reason)"
    }
}
