#if canImport(Glibc)
import Glibc
#endif

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
