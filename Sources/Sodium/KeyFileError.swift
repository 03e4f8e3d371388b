#if canImport(Glibc)
import Glibc
#endif

/// Why a key file could not be written or read; each message names the file
/// and what to do about it.
public enum KeyFileError: Error, Equatable, CustomStringConvertible {
    /// `write(overwrite: false)` found a file already at the path.
    case alreadyExists(path: String)
    /// The file is readable or writable by group or others (`mode & 0o077 != 0`).
    case permissionsTooOpen(path: String, mode: UInt32)
    /// The path is a directory, device, FIFO, ...
    case notARegularFile(path: String)
    /// The content is not 64 hexadecimal digits and a newline.
    case malformed(path: String, reason: String)
    /// A sealed key file's header or ciphertext line is not in the format
    /// `KeyFile.writeSealed` writes, or asks for more than this build accepts.
    case malformedSealed(path: String, reason: String)
    /// The passphrase does not open the sealed key file, or the file was
    /// altered (the AEAD tag cannot tell the two apart).
    case wrongPassphrase(path: String)
    /// `writeSealed` was given an empty passphrase.
    case emptyPassphrase(path: String)
    /// Argon2id could not allocate the `memLimit` bytes the file asks for.
    case keyDerivationFailed(path: String, memLimit: Int)
    /// A system call failed with `errno`.
    case systemCall(path: String, call: String, errno: Int32)
    /// libsodium could not derive the key.
    case crypto(SodiumError)

    public var description: String {
        switch self {
        case let .alreadyExists(path):
            return "key file \(path) already exists; refusing to replace a signing key (move it away, or pass overwrite)"
        case let .permissionsTooOpen(path, mode):
            let octal = String(mode, radix: 8)
            return "key file \(path) has mode 0\(octal), so group or others may read or change the signing key; "
                + "run `chmod 600 \(path)` (and consider replacing the key if others could read it)"
        case let .notARegularFile(path):
            return "key file \(path) is not a regular file"
        case let .malformed(path, reason):
            return "key file \(path) is malformed: \(reason); it must hold the 32-byte Ed25519 seed as 64 hex digits and a newline"
        case let .malformedSealed(path, reason):
            return "sealed key file \(path) is malformed: \(reason)"
        case let .wrongPassphrase(path):
            return "wrong passphrase for sealed key file \(path) (or the file was altered); "
                + "check the passphrase source, or restore the file from backup"
        case let .emptyPassphrase(path):
            return "refusing to seal key file \(path) with an empty passphrase"
        case let .keyDerivationFailed(path, memLimit):
            return "could not derive the key for sealed key file \(path): Argon2id needs \(memLimit / 1_048_576) MiB "
                + "of memory and the allocation failed; free memory, or reseal the key with lower limits"
        case let .systemCall(path, call, code):
            return "\(call) failed for key file \(path): \(String(cString: strerror(code))) (errno \(code))"
        case let .crypto(error):
            return "key file: \(error)"
        }
    }
}
