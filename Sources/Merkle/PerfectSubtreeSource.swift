import SHA2

/// Where the hashes of *perfect* subtrees come from (a database, memory).
///
/// Node `(level, index)` is the root of the perfect subtree over leaves
/// `[index << level, (index + 1) << level)`; level 0 is the leaf hash
/// `RFC9162.hashLeaf(entry)`. A log that stores every such node once it is
/// complete can answer any root or proof for any tree size it has reached
/// with O(log n) lookups (see `MerkleTree`).
public protocol PerfectSubtreeSource {
    /// The hash of perfect subtree `(level, index)`.
    /// Throws (for example `MissingPerfectSubtree`) if the node is not stored.
    func perfectSubtree(level: Int, index: UInt64) throws -> SHA256Digest
}

/// A perfect subtree that a `PerfectSubtreeSource` does not hold: the log has
/// fewer leaves than the tree size asked for, or the store is incomplete.
public struct MissingPerfectSubtree: Error, Equatable, CustomStringConvertible {
    public let level: Int
    public let index: UInt64

    public init(level: Int, index: UInt64) {
        self.level = level
        self.index = index
    }

    public var description: String {
        let first = index << UInt64(level), end = (index + 1) << UInt64(level)
        return "perfect subtree (level \(level), index \(index)) over leaves [\(first), \(end)) is not stored; "
            + "the log holds fewer leaves than the requested tree size, or its node store is incomplete"
    }
}
