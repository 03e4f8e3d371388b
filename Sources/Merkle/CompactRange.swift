import SHA2

/// The right frontier of a log: the compact range `[0, size)`, i.e. the roots
/// of the perfect subtrees given by the 1 bits of `size`, largest first.
///
/// Appending is O(1) amortized (one hash per completed node) and the memory
/// is at most 64 digests. This is what the ingest path keeps in memory to
/// know which perfect nodes to persist and to compute the current root.
public struct CompactRange: Sendable {
    /// The number of leaves appended so far.
    public private(set) var size: UInt64
    /// Roots of the perfect subtrees covering `[0, size)`, left to right
    /// (the entry for the highest 1 bit of `size` first).
    private var frontier: [SHA256Digest]

    /// The compact range of the empty log.
    public init() {
        size = 0
        frontier = []
    }

    /// Restores the frontier of a log of `size` leaves from its stored perfect
    /// nodes (one lookup per 1 bit of `size`).
    public init(size: UInt64, nodes: some PerfectSubtreeSource) throws {
        self.size = size
        frontier = []
        var start: UInt64 = 0
        for level in stride(from: 63, through: 0, by: -1) where size & (1 << UInt64(level)) != 0 {
            frontier.append(try nodes.perfectSubtree(level: level, index: start >> UInt64(level)))
            start += 1 << UInt64(level)
        }
    }

    /// Appends the leaf hash of leaf `size` and returns every perfect node
    /// this completes: `(0, size)` (the leaf itself) first, then each parent
    /// completed bottom-up. These are exactly the nodes a store must persist.
    @discardableResult
    public mutating func append(_ leafHash: SHA256Digest) -> [(level: Int, index: UInt64, hash: SHA256Digest)] {
        // Leaf n completes one parent per trailing 1 bit of n: while the new
        // node is a right child (odd index), it merges with its left sibling,
        // which is the last frontier entry.
        var completed: [(level: Int, index: UInt64, hash: SHA256Digest)] = [(0, size, leafHash)]
        var node = leafHash
        var index = size
        var level = 0
        while index & 1 == 1 {
            node = RFC9162.hashChildren(frontier.removeLast(), node)
            index >>= 1
            level += 1
            completed.append((level, index, node))
        }
        frontier.append(node)
        size += 1
        return completed
    }

    /// `MTH(D[0:size])`: the frontier folded right to left (RFC 9162 section
    /// 2.1.1 splits off the largest perfect subtree first, so the smallest
    /// pieces combine first). `RFC9162.emptyRoot` for the empty log.
    public func root() -> SHA256Digest {
        guard var accumulated = frontier.last else { return RFC9162.emptyRoot }
        for piece in frontier.dropLast().reversed() {
            accumulated = RFC9162.hashChildren(piece, accumulated)
        }
        return accumulated
    }
}
