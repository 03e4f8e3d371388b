import SHA2

/// Why a proof was not accepted, or could not be built.
public enum ProofError: Error, Equatable, CustomStringConvertible {
    /// The leaf index is not inside the tree (`index >= size`).
    case indexOutOfRange(index: UInt64, size: UInt64)
    /// The proof has the wrong number of hashes for these indices and sizes.
    case wrongProofLength(expected: Int, got: Int)
    /// The proof leads to a different (new) tree root than the trusted one.
    case rootMismatch(expected: SHA256Digest, computed: SHA256Digest)
    /// A consistency proof does not reproduce the trusted old root.
    case oldRootMismatch(expected: SHA256Digest, computed: SHA256Digest)
    /// A consistency proof was asked for from a larger tree to a smaller one.
    case sizeDecreased(oldSize: UInt64, newSize: UInt64)

    public var description: String {
        switch self {
        case let .indexOutOfRange(index, size):
            "leaf index \(index) is outside a tree of size \(size); indices run from 0 to size - 1"
        case let .wrongProofLength(expected, got):
            "the proof has \(got) hashes, but these indices and tree sizes need exactly \(expected); "
                + "check that the proof was made for the same index and tree size"
        case let .rootMismatch(expected, computed):
            "the proof leads to root \(computed.hex), not the trusted root \(expected.hex): "
                + "the leaf, the proof or the root is wrong"
        case let .oldRootMismatch(expected, computed):
            "the consistency proof reproduces old root \(computed.hex), not the trusted old root \(expected.hex)"
        case let .sizeDecreased(oldSize, newSize):
            "the old tree size \(oldSize) is larger than the new tree size \(newSize); a log only grows"
        }
    }
}
