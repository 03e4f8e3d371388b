import SHA2

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
