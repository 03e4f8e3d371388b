import SHA2

/// Roots and proofs (RFC 9162 sections 2.1.1, 2.1.3.1, 2.1.4.1) computed from
/// stored perfect subtrees rather than from all leaves.
///
/// Why this works: `MTH(D[a:b])` for a range that starts on a multiple of a
/// power of two at least `b - a` splits, by the RFC's rule (largest power of
/// two smaller than the size), into perfect subtrees given by the 1 bits of
/// `b - a`, largest first. Every range the RFC's recursions visit has that
/// alignment, so each range hash is a right-to-left fold of at most 64 stored
/// nodes.
public enum MerkleTree {
    /// `MTH(D[0:size])`. `RFC9162.emptyRoot` for size 0.
    /// Requires every perfect node over leaves `< size`; makes O(log size) lookups.
    public static func root(size: UInt64, nodes: some PerfectSubtreeSource) throws -> SHA256Digest {
        size == 0 ? RFC9162.emptyRoot : try rangeRoot(from: 0, to: size, nodes: nodes)
    }

    /// `MTH(D[start:end])` for an aligned range: `start` is a multiple of the
    /// largest power of two `<= end - start`. Precondition: `start < end`.
    static func rangeRoot(from start: UInt64, to end: UInt64, nodes: some PerfectSubtreeSource) throws -> SHA256Digest {
        precondition(start < end, "empty range [\(start), \(end))")
        // The rightmost (smallest) perfect piece comes from the lowest 1 bit of
        // the size; fold leftwards: acc = H(piece, acc).
        var remaining = end - start
        var pieceEnd = end
        var accumulated: SHA256Digest? = nil
        while remaining != 0 {
            let level = remaining.trailingZeroBitCount
            pieceEnd -= 1 << UInt64(level)
            let piece = try nodes.perfectSubtree(level: level, index: pieceEnd >> UInt64(level))
            accumulated = accumulated.map { RFC9162.hashChildren(piece, $0) } ?? piece
            remaining &= remaining - 1
        }
        return accumulated!
    }

    /// The perfect subtree over `[start, start + width)`, `width` a power of two.
    static func perfectRange(from start: UInt64, width: UInt64, nodes: some PerfectSubtreeSource) throws -> SHA256Digest {
        let level = width.trailingZeroBitCount
        return try nodes.perfectSubtree(level: level, index: start >> UInt64(level))
    }
}
