import Merkle
import SHA2

/// A deliberately naive transcription of RFC 9162 sections 2.1.1, 2.1.3.1 and
/// 2.1.4.1, recursing over the leaf hashes themselves (no stored nodes, no
/// bit tricks). The production code must agree with it everywhere.
enum ReferenceTree {
    /// k: the largest power of two smaller than n (n > 1).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    /// MTH(D[n]) over already-hashed leaves.
    static func mth(_ leaves: ArraySlice<SHA256Digest>) -> SHA256Digest {
        switch leaves.count {
        case 0: return SHA256.hash([UInt8]())
        case 1: return leaves.first!
        default:
            let k = split(leaves.count), start = leaves.startIndex
            return RFC9162.hashChildren(mth(leaves[start..<start + k]), mth(leaves[(start + k)...]))
        }
    }

    /// PATH(m, D[n]).
    static func path(_ m: Int, _ leaves: ArraySlice<SHA256Digest>) -> [SHA256Digest] {
        let n = leaves.count, start = leaves.startIndex
        guard n > 1 else { return [] }
        let k = split(n)
        if m < k {
            return path(m, leaves[start..<start + k]) + [mth(leaves[(start + k)...])]
        } else {
            return path(m - k, leaves[(start + k)...]) + [mth(leaves[start..<start + k])]
        }
    }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m < n.
    static func proof(_ m: Int, _ leaves: ArraySlice<SHA256Digest>) -> [SHA256Digest] {
        subproof(m, leaves, true)
    }

    static func subproof(_ m: Int, _ leaves: ArraySlice<SHA256Digest>, _ b: Bool) -> [SHA256Digest] {
        let n = leaves.count, start = leaves.startIndex
        if m == n { return b ? [] : [mth(leaves)] }
        let k = split(n)
        if m <= k {
            return subproof(m, leaves[start..<start + k], b) + [mth(leaves[(start + k)...])]
        } else {
            return subproof(m - k, leaves[(start + k)...], false) + [mth(leaves[start..<start + k])]
        }
    }
}

/// SplitMix64: a tiny seeded generator so random cases are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Leaf hashes of `count` distinct entries ("leaf 0", "leaf 1", ...), and the
/// node store holding them.
func sampleLog(count: Int) -> (leaves: [SHA256Digest], nodes: InMemoryNodes) {
    var nodes = InMemoryNodes()
    var leaves: [SHA256Digest] = []
    for i in 0..<count {
        let hash = RFC9162.hashLeaf(Array("leaf \(i)".utf8))
        leaves.append(hash)
        nodes.append(leafHash: hash)
    }
    return (leaves, nodes)
}
