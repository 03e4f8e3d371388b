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

/// Every perfect subtree hash of a log, held in memory as one array per
/// level. For tests, the offline verifier and benchmarks; the agent keeps its
/// nodes in SQLite instead.
public struct InMemoryNodes: PerfectSubtreeSource, Sendable {
    /// `levels[l][i]` is node `(l, i)`; level 0 holds the leaf hashes.
    private var levels: [[SHA256Digest]]

    /// An empty log.
    public init() {
        levels = [[]]
    }

    /// The number of leaves.
    public var size: UInt64 { UInt64(levels[0].count) }

    /// Appends a leaf hash and every perfect node it completes.
    public mutating func append(leafHash: SHA256Digest) {
        levels[0].append(leafHash)
        var level = 0
        // A level with an even count has just completed a pair: hash it upward.
        while levels[level].count % 2 == 0 {
            let count = levels[level].count
            let parent = RFC9162.hashChildren(levels[level][count - 2], levels[level][count - 1])
            if levels.count == level + 1 { levels.append([]) }
            levels[level + 1].append(parent)
            level += 1
        }
    }

    /// Appends `RFC9162.hashLeaf(data)`.
    public mutating func append(leafData data: some Collection<UInt8>) {
        append(leafHash: RFC9162.hashLeaf(data))
    }

    public func perfectSubtree(level: Int, index: UInt64) throws -> SHA256Digest {
        guard level >= 0, level < levels.count, index < UInt64(levels[level].count) else {
            throw MissingPerfectSubtree(level: level, index: index)
        }
        return levels[level][Int(index)]
    }
}
