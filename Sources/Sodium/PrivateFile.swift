#if canImport(Glibc)
import Glibc
#endif

/// Opening a file that holds a secret (a key seed, a passphrase): it must be
/// a regular file that group and others can neither read nor write, checked
/// with `fstat` on the opened descriptor, so on the file actually read.
enum PrivateFile {
    /// Why a private file was refused; each caller maps it into its own error type.
    enum Refusal: Error {
        case systemCall(call: String, errno: Int32)
        case notARegularFile
        case permissionsTooOpen(mode: UInt32)
    }

    /// The open descriptor (the caller closes it); a refusal in the caller's error type.
    static func open<E: PrivateFileError>(_ path: String, as: E.Type) throws(E) -> Int32 {
        do {
            return try open(path)
        } catch {
            switch error {
            case .systemCall(let call, let code): throw E.systemCall(path: path, call: call, errno: code)
            case .notARegularFile: throw E.notARegularFile(path: path)
            case .permissionsTooOpen(let mode): throw E.permissionsTooOpen(path: path, mode: mode)
            }
        }
    }

    static func open(_ path: String) throws(Refusal) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .systemCall(call: "open", errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .systemCall(call: "fstat", errno: code)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .notARegularFile
        }
        guard info.st_mode & 0o077 == 0 else {
            close(fd)
            throw .permissionsTooOpen(mode: info.st_mode & 0o7777)
        }
        return fd
    }
}

/// An error type that can say why a private file was refused.
protocol PrivateFileError: Error {
    static func systemCall(path: String, call: String, errno: Int32) -> Self
    static func notARegularFile(path: String) -> Self
    static func permissionsTooOpen(path: String, mode: UInt32) -> Self
}

extension KeyFileError: PrivateFileError {}
extension PassphraseError: PrivateFileError {}
