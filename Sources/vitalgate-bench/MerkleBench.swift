import Merkle
import SHA2
import SQLiteStore
import VitalgateAgent

/// The Merkle log at `leaves` leaves: append rate, and inclusion proof
/// generation and verification, both from memory (InMemoryNodes) and from
/// the SQLite node table the agent uses (MerkleNodeTable).
struct MerkleBench {
    let leaves: Int
    let proofs: Int
    let directory: String

    struct Result {
        var memoryAppendPerSecond = 0.0
        var memoryProofMicros = (p50: 0.0, p99: 0.0)
        var verifyMicros = (p50: 0.0, p99: 0.0)
        var sqliteAppendPerSecond = 0.0
        var sqliteProofMicros = (p50: 0.0, p99: 0.0)
        var proofLength = 0
    }

    func run() throws -> Result {
        var result = Result()
        // 1. In memory: leaf hash (RFC 9162 section 2.1.1) of a ~100-byte leaf, plus completed parents.
        var nodes = InMemoryNodes()
        var leaf = Array(repeating: UInt8(0x5a), count: 100)
        let t0 = ContinuousClock.now
        for i in 0..<leaves {
            withUnsafeBytes(of: UInt64(i).littleEndian) { for (j, b) in $0.enumerated() { leaf[j] = b } }
            nodes.append(leafData: leaf)
        }
        result.memoryAppendPerSecond = Double(leaves) / ((ContinuousClock.now - t0) / .seconds(1))
        let size = UInt64(leaves)
        let root = try MerkleTree.root(size: size, nodes: nodes)
        var rng = SplitMix64(seed: 9162)
        let indices = (0..<proofs).map { _ in rng.next() % size }

        var proofTimes: [Double] = [], verifyTimes: [Double] = []
        for index in indices {
            let p0 = ContinuousClock.now
            let proof = try MerkleTree.inclusionProof(index: index, size: size, nodes: nodes)
            let p1 = ContinuousClock.now
            try InclusionProof.verify(index: index, size: size, leafHash: try nodes.perfectSubtree(level: 0, index: index),
                                      proof: proof, root: root)
            let p2 = ContinuousClock.now
            proofTimes.append((p1 - p0) / .microseconds(1))
            verifyTimes.append((p2 - p1) / .microseconds(1))
            result.proofLength = max(result.proofLength, proof.count)
        }
        result.memoryProofMicros = percentiles(proofTimes)
        result.verifyMicros = percentiles(verifyTimes)

        // 2. SQLite: the agent's schema and node table; batches of 2000 leaves per
        //    fsync'd transaction, as the ingest service's group commit (maxBatch).
        //    Leaf hashes go to merkle_nodes (as a key rotation's does) rather than
        //    into reading rows: a proof reads them by primary key either way.
        let db = try GatewayDatabase.open(GatewayHome(path: directory))
        let table = MerkleNodeTable(db)
        var range = CompactRange()
        let s0 = ContinuousClock.now
        var i = 0
        while i < leaves {
            let end = min(leaves, i + 2000)
            try db.transaction(.immediate) {
                for j in i..<end {
                    try table.insert(range.append(try nodes.perfectSubtree(level: 0, index: UInt64(j))))
                }
            }
            i = end
        }
        result.sqliteAppendPerSecond = Double(leaves) / ((ContinuousClock.now - s0) / .seconds(1))
        var sqliteTimes: [Double] = []
        for index in indices.prefix(1000) {
            let p0 = ContinuousClock.now
            let proof = try MerkleTree.inclusionProof(index: index, size: size, nodes: table)
            sqliteTimes.append((ContinuousClock.now - p0) / .microseconds(1))
            try InclusionProof.verify(index: index, size: size, leafHash: try nodes.perfectSubtree(level: 0, index: index),
                                      proof: proof, root: root)
        }
        result.sqliteProofMicros = percentiles(sqliteTimes)
        return result
    }

    private func percentiles(_ values: [Double]) -> (p50: Double, p99: Double) {
        let sorted = values.sorted()
        return (quantile(sorted, 0.5) ?? 0, quantile(sorted, 0.99) ?? 0)
    }
}

/// A small deterministic generator (SplitMix64) for proof indices.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
