import Merkle
import SHA2
import Testing

/// The Certificate Transparency reference tree of eight leaves. Data from
/// google/certificate-transparency cpp/merkletree/merkle_tree_test.cc
/// (kInputs, kSHA256Roots, kSHA256Paths, kSHA256Proofs), repeated in
/// transparency-dev/merkle proof/verify_test.go. Their leaf numbers are
/// 1-based; the indices below are 0-based.
@Suite struct PublishedVectorTests {
    static let inputs: [String] = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ]
    /// MTH of the first 1...8 inputs.
    static let roots: [String] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    static let inclusionProofs: [(index: UInt64, size: UInt64, proof: [String])] = [
        (0, 1, []),
        (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ]
    static let consistencyProofs: [(oldSize: UInt64, newSize: UInt64, proof: [String])] = [
        (1, 1, []),
        (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
        (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    ]

    static func digest(_ hex: String) -> SHA256Digest { SHA256Digest(hex: hex)! }

    static var leafHashes: [SHA256Digest] {
        inputs.map { hex in
            let bytes = stride(from: 0, to: hex.utf8.count, by: 2).map { i -> UInt8 in
                let start = hex.index(hex.startIndex, offsetBy: i)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
            return RFC9162.hashLeaf(bytes)
        }
    }

    static var nodes: InMemoryNodes {
        var nodes = InMemoryNodes()
        for hash in leafHashes { nodes.append(leafHash: hash) }
        return nodes
    }

    @Test func emptyRootIsHashOfEmptyString() throws {
        #expect(RFC9162.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try MerkleTree.root(size: 0, nodes: InMemoryNodes()) == RFC9162.emptyRoot)
        #expect(CompactRange().root() == RFC9162.emptyRoot)
    }

    @Test func rootsForEverySize() throws {
        let nodes = Self.nodes
        var range = CompactRange()
        for (i, leaf) in Self.leafHashes.enumerated() {
            range.append(leaf)
            #expect(range.root().hex == Self.roots[i], "CompactRange, size \(i + 1)")
            #expect(try MerkleTree.root(size: UInt64(i + 1), nodes: nodes).hex == Self.roots[i], "stored nodes, size \(i + 1)")
        }
    }

    @Test(arguments: 0..<inclusionProofs.count)
    func inclusionProof(_ i: Int) throws {
        let v = Self.inclusionProofs[i]
        let proof = try MerkleTree.inclusionProof(index: v.index, size: v.size, nodes: Self.nodes)
        #expect(proof.map(\.hex) == v.proof)
        let leaf = Self.leafHashes[Int(v.index)]
        let root = Self.digest(Self.roots[Int(v.size) - 1])
        try InclusionProof.verify(index: v.index, size: v.size, leafHash: leaf, proof: v.proof.map(Self.digest), root: root)
        #expect(try InclusionProof.rootFromInclusionProof(index: v.index, size: v.size, leafHash: leaf, proof: proof) == root)
    }

    @Test(arguments: 0..<consistencyProofs.count)
    func consistencyProof(_ i: Int) throws {
        let v = Self.consistencyProofs[i]
        let proof = try MerkleTree.consistencyProof(oldSize: v.oldSize, newSize: v.newSize, nodes: Self.nodes)
        #expect(proof.map(\.hex) == v.proof)
        try ConsistencyProof.verify(
            oldSize: v.oldSize, newSize: v.newSize,
            oldRoot: Self.digest(Self.roots[Int(v.oldSize) - 1]), newRoot: Self.digest(Self.roots[Int(v.newSize) - 1]),
            proof: v.proof.map(Self.digest))
    }
}
