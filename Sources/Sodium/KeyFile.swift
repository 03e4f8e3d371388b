#if canImport(Glibc)
import Glibc
#endif
import FileIO

/// The on-disk signing key.
///
/// Format: the 32-byte Ed25519 seed (RFC 8032's private key) as 64 lowercase
/// hexadecimal digits followed by one newline, 65 bytes in all, in a regular
/// file of mode 0600. Hex rather than raw bytes so an operator can back it
/// up or compare it with ordinary text tools.
public enum KeyFile {
    /// Writes `key`'s seed to `path` with mode 0600 and fsyncs the file and
    /// its directory.
    ///
    /// Without `overwrite`, the file is created with `O_CREAT | O_EXCL`, so an
    /// existing key is never clobbered (`KeyFileError.alreadyExists`). With
    /// `overwrite`, the key is written to a temporary file beside `path` and
    /// renamed over it, so a crash leaves either the old key or the new one.
    public static func write(_ key: Ed25519SecretKey, to path: String, overwrite: Bool) throws(KeyFileError) {
        var content = key.withSeed { seed in SodiumHex.encode(seed) + [UInt8(ascii: "\n")] }
        defer { sodiumZero(&content) }
        try install(content, at: path, overwrite: overwrite)
    }

    /// Reads the key at `path`.
    ///
    /// Refuses (`KeyFileError.permissionsTooOpen`) a file that group or
    /// others can read or write, like ssh does for private keys: such a key
    /// may already be known to someone else. The check uses `fstat` on the
    /// opened descriptor, so it applies to the file actually read.
    public static func read(from path: String) throws(KeyFileError) -> Ed25519SecretKey {
        // One byte more than a valid file, to detect trailing content.
        var content = try readPrivateFile(path, capacity: 2 * Ed25519SecretKey.seedByteCount + 2)
        defer { sodiumZero(&content) }
        return try plainKey(content[...], path: path)
    }

    /// The key in a plain key file's `content`.
    static func plainKey(_ content: ArraySlice<UInt8>, path: String) throws(KeyFileError) -> Ed25519SecretKey {
        var seed = try decodeSeed(content, path: path)
        defer { sodiumZero(&seed) }
        return try key(seed: seed)
    }

    /// The key for `seed`, with libsodium's failure mapped to `KeyFileError.crypto`.
    static func key(seed: [UInt8]) throws(KeyFileError) -> Ed25519SecretKey {
        do {
            return try Ed25519SecretKey(seed: seed)
        } catch let error as SodiumError {
            throw .crypto(error)
        } catch {
            throw .crypto(.callFailed("crypto_sign_seed_keypair"))
        }
    }

    /// The seed from the file content: exactly 64 hex digits (either case)
    /// and one trailing newline, which may be missing.
    static func decodeSeed(_ content: ArraySlice<UInt8>, path: String) throws(KeyFileError) -> [UInt8] {
        var digits = content
        if digits.last == UInt8(ascii: "\n") { digits = digits.dropLast() }
        let expected = 2 * Ed25519SecretKey.seedByteCount
        guard digits.count == expected else {
            let what = content.count > expected + 1 ? "more than \(expected + 1) bytes" : "\(digits.count) digits"
            throw .malformed(path: path, reason: "found \(what)")
        }
        guard let seed = SodiumHex.decode(digits) else {
            throw .malformed(path: path, reason: "it holds a character that is not a hexadecimal digit")
        }
        return seed
    }
}

extension KeyFileError {
    /// A failed file call in this module's terms.
    init(_ error: FileError) {
        self = .systemCall(path: error.path, call: error.call, errno: error.errno)
    }
}

extension KeyFile {
    /// Writes `content` to `path` with mode 0600 and makes it durable (file
    /// and directory). Without `overwrite`, `O_EXCL` refuses an existing
    /// file; with it, the file layer's atomic replace renames a new file
    /// over it, so a crash leaves the old content or the new, never a mixture.
    static func install(_ content: [UInt8], at path: String, overwrite: Bool) throws(KeyFileError) {
        do throws(FileError) {
            if overwrite {
                try Files.replace(content, at: path, mode: 0o600)
            } else {
                try Files.write(content, to: path, mode: 0o600, overwrite: false)
                try Files.syncDirectory(containing: path)
            }
        } catch {
            throw error.call == "open" && error.errno == EEXIST && error.path == path ? .alreadyExists(path: path) : KeyFileError(error)
        }
    }

    /// Up to `capacity` bytes of the regular file at `path`, which group and
    /// others must not be able to read or write (checked with `fstat` on the
    /// opened descriptor, so on the file actually read). The caller wipes the
    /// result (`sodiumZero`) once done.
    static func readPrivateFile(_ path: String, capacity: Int) throws(KeyFileError) -> [UInt8] {
        let fd = try PrivateFile.open(path, as: KeyFileError.self)
        defer { close(fd) }
        var content = [UInt8](repeating: 0, count: capacity)
        let length: Int
        do {
            length = try Files.readAll(fd, into: &content, path: path)
        } catch {
            sodiumZero(&content)
            throw KeyFileError(error)
        }
        // Shrinking in place keeps the same storage, so the caller's wipe covers every byte read.
        content.removeLast(capacity - length)
        return content
    }
}

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

    // Table-like data (duplicates): one operator-facing message a case, which tests check; no logic to share.
    public var description: String {
        switch self {
        case let .alreadyExists(path):
            "key file \(path) already exists; refusing to replace a signing key (move it away, or pass overwrite)"
        case let .permissionsTooOpen(path, mode):
            "key file \(path) has mode 0\(String(mode, radix: 8)), so group or others may read or change the signing key; "
                + "run `chmod 600 \(path)` (and consider replacing the key if others could read it)"
        case let .notARegularFile(path):
            "key file \(path) is not a regular file"
        case let .malformed(path, reason):
            "key file \(path) is malformed: \(reason); it must hold the 32-byte Ed25519 seed as 64 hex digits and a newline"
        case let .malformedSealed(path, reason):
            "sealed key file \(path) is malformed: \(reason)"
        case let .wrongPassphrase(path):
            "wrong passphrase for sealed key file \(path) (or the file was altered); "
                + "check the passphrase source, or restore the file from backup"
        case let .emptyPassphrase(path):
            "refusing to seal key file \(path) with an empty passphrase"
        case let .keyDerivationFailed(path, memLimit):
            "could not derive the key for sealed key file \(path): Argon2id needs \(memLimit / 1_048_576) MiB "
                + "of memory and the allocation failed; free memory, or reseal the key with lower limits"
        case let .systemCall(path, call, code):
            "\(call) failed for key file \(path): \(String(cString: strerror(code))) (errno \(code))"
        case let .crypto(error):
            "key file: \(error)"
        }
    }
}
