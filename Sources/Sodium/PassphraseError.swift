#if canImport(Glibc)
import Glibc
#endif

/// Why a passphrase could not be obtained; each message says what to fix.
public enum PassphraseError: Error, Equatable, CustomStringConvertible {
    /// The passphrase file is readable or writable by group or others.
    case permissionsTooOpen(path: String, mode: UInt32)
    /// The passphrase file is a directory, device, FIFO, ...
    case notARegularFile(path: String)
    /// The first line of the file, or the typed line, is empty.
    case empty(source: String)
    /// The line is longer than `PassphraseSource.maximumLength` bytes.
    case tooLong(source: String)
    /// There is no terminal to prompt on (`open` or `tcgetattr` failed).
    case noTerminal(path: String, errno: Int32)
    /// A system call failed with `errno`.
    case systemCall(path: String, call: String, errno: Int32)

    public var description: String {
        switch self {
        case let .permissionsTooOpen(path, mode):
            "passphrase file \(path) has mode 0\(String(mode, radix: 8)), so group or others may read it; "
                + "run `chmod 600 \(path)` (and change the passphrase if others could read it)"
        case let .notARegularFile(path):
            "passphrase file \(path) is not a regular file"
        case let .empty(source):
            "the passphrase from \(source) is empty"
        case let .tooLong(source):
            "the passphrase from \(source) is longer than \(PassphraseSource.maximumLength) bytes"
        case let .noTerminal(path, code):
            "cannot prompt for the passphrase: \(path) is not a usable terminal (\(String(cString: strerror(code)))); "
                + "run interactively, or give a passphrase file"
        case let .systemCall(path, call, code):
            "\(call) failed for \(path): \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}
