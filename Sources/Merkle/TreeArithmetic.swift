/// Index arithmetic shared by proof generation and verification.
enum TreeArithmetic {
    /// The largest power of two strictly smaller than `n`: the split point `k`
    /// of RFC 9162 section 2.1.1. Precondition: `n >= 2`.
    static func splitPoint(_ n: UInt64) -> UInt64 {
        precondition(n >= 2, "a tree of \(n) leaves has no split point")
        return 1 << UInt64(63 - (n - 1).leadingZeroBitCount)
    }

    /// The number of significant bits in `x` (0 for 0).
    static func bitLength(_ x: UInt64) -> Int { 64 - x.leadingZeroBitCount }

    static func isPowerOfTwo(_ x: UInt64) -> Bool { x != 0 && x & (x - 1) == 0 }

    /// The length of PATH(index, D[0:size]) (RFC 9162 section 2.1.3.1): the
    /// levels where index and size - 1 differ (the "inner" part, below the
    /// point where the leaf's path leaves the right border of the tree) plus
    /// one left sibling for each 1 bit of `index` above it (the "border" part).
    /// Precondition: `index < size`.
    static func inclusionProofLength(index: UInt64, size: UInt64) -> Int {
        let inner = bitLength(index ^ (size - 1))
        return inner + (index >> UInt64(inner)).nonzeroBitCount
    }

    /// The length of PROOF(oldSize, D[0:newSize]) (RFC 9162 section 2.1.4.1).
    /// Precondition: `0 < oldSize < newSize`.
    static func consistencyProofLength(oldSize: UInt64, newSize: UInt64) -> Int {
        // The path of leaf oldSize - 1, minus the levels inside the largest
        // perfect subtree that ends at oldSize (its root is one proof node,
        // or is the old root itself when oldSize is a power of two).
        let fullInner = bitLength((oldSize - 1) ^ (newSize - 1))
        let border = ((oldSize - 1) >> UInt64(fullInner)).nonzeroBitCount
        let inner = fullInner - oldSize.trailingZeroBitCount
        return inner + border + (isPowerOfTwo(oldSize) ? 0 : 1)
    }
}
