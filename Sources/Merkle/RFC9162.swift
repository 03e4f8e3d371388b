import SHA2

/// The hashing of RFC 9162 section 2.1.1 (unchanged from RFC 6962 section 2.1),
/// with SHA-256 as the hash function. The one-byte prefixes separate leaf and
/// interior hashes so that a leaf can never be passed off as an interior node
/// (second-preimage resistance).
public enum RFC9162 {
    /// The leaf hash `SHA-256(0x00 || data)`.
    public static func hashLeaf(_ data: some Collection<UInt8>) -> SHA256Digest {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update($0) }
        hasher.update(data)
        return hasher.finalize()
    }

    /// The interior node hash `SHA-256(0x01 || left || right)`. Does not allocate.
    public static func hashChildren(_ left: SHA256Digest, _ right: SHA256Digest) -> SHA256Digest {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x01)) { hasher.update($0) }
        left.withUnsafeBytes { hasher.update($0) }
        right.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// `MTH({})`, the root of the empty tree: the SHA-256 of the empty string (RFC 9162 section 2.1.1).
    public static let emptyRoot: SHA256Digest = SHA256.hash([UInt8]())
}
