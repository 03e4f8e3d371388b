import Bitcoin
import SHA2
import Testing

@Suite struct MerkleBlockTests {
    @Test func anchorProofMatchesTheAnchorTransaction() throws {
        let proof = try MerkleBlock(parsing: bytes(Fixtures.anchorProof))
        #expect(proof.transactionCount == 2)
        #expect(proof.hashes.count == 2)
        #expect(proof.flagBytes == [0x05])   // bits 1 (root), 0 (coinbase), 1 (anchor)
        #expect(try proof.verifiedMatches().map(display) == [Fixtures.anchorTxid])
        #expect(proof.header.hashHex == Fixtures.anchorBlock)
    }

    @Test func twoMatchesInASixTransactionBlock() throws {
        let proof = try MerkleBlock(parsing: bytes(Fixtures.sixProofTwoMatches))
        #expect(proof.transactionCount == 6)
        #expect(proof.header.hashHex == Fixtures.sixBlock)
        #expect(try proof.verifiedMatches().map(display) == [Fixtures.sixBlockTxids[1], Fixtures.sixBlockTxids[4]])
    }

    @Test func unpairedLastTransactionIsHashedWithItself() throws {
        // Leaf 5 of 6 has no sibling at height 1: Bitcoin's tree duplicates it.
        let proof = try MerkleBlock(parsing: bytes(Fixtures.sixProofLast))
        #expect(try proof.verifiedMatches().map(display) == [Fixtures.sixBlockTxids[5]])
    }

    @Test func genesisOneTransactionProof() throws {
        // Built by hand: header, 1 transaction, 1 hash (the coinbase txid), flags 0x01.
        let txid = Array(bytes(Fixtures.genesisCoinbaseTxid).reversed())
        let proof = try MerkleBlock(parsing: bytes(Fixtures.genesisHeader) + [1, 0, 0, 0, 1] + txid + [1, 0x01])
        #expect(try proof.verifiedMatches() == [txid])
    }

    @Test(arguments: [Fixtures.anchorProof, Fixtures.sixProofTwoMatches, Fixtures.sixProofLast])
    func everyFlippedHashBitBreaksTheProof(fixture: String) throws {
        let original = bytes(fixture)
        let proof = try MerkleBlock(parsing: original)
        let firstHash = 80 + 4 + 1
        for index in firstHash..<(firstHash + 32 * proof.hashes.count) {
            for bit in 0..<8 {
                let mutant = try MerkleBlock(parsing: flipped(original, byte: index, bit: bit))
                #expect(throws: WireError.self) { try mutant.verifiedMatches() }
            }
        }
    }

    @Test(arguments: [Fixtures.anchorProof, Fixtures.sixProofTwoMatches, Fixtures.sixProofLast])
    func everyFlippedHeaderRootBitBreaksTheProof(fixture: String) throws {
        let original = bytes(fixture)
        for index in 36..<68 {
            let mutant = try MerkleBlock(parsing: flipped(original, byte: index, bit: index % 8))
            #expect(throws: WireError.self) { try mutant.verifiedMatches() }
        }
    }

    @Test(arguments: [Fixtures.anchorProof, Fixtures.sixProofTwoMatches, Fixtures.sixProofLast])
    func everyFlippedFlagBitBreaksTheProofOrChangesTheMatches(fixture: String) throws {
        // A flag bit on an inner node changes the traversal (the proof fails); on a
        // leaf it only says whether that leaf is reported, so the matches change.
        let original = bytes(fixture)
        let expected = try MerkleBlock(parsing: original).verifiedMatches()
        let proof = try MerkleBlock(parsing: original)
        let flagStart = original.count - proof.flagBytes.count
        var failures = 0
        for index in flagStart..<original.count {
            for bit in 0..<8 {
                let mutant = try MerkleBlock(parsing: flipped(original, byte: index, bit: bit))
                do {
                    let matches = try mutant.verifiedMatches()
                    // Only padding bits past the traversal (Core ignores them) may keep the matches.
                    if matches == expected { #expect(usedBits(proof) <= (index - flagStart) * 8 + bit) }
                } catch {
                    failures += 1
                }
            }
        }
        #expect(failures > 0)
    }

    @Test(arguments: [Fixtures.anchorProof, Fixtures.sixProofTwoMatches])
    func truncationsAndTrailingBytesAreRejected(fixture: String) throws {
        let original = bytes(fixture)
        for length in 0..<original.count {
            let accepted = (try? MerkleBlock(parsing: Array(original.prefix(length))).verifiedMatches()) != nil
            #expect(!accepted, "prefix of \(length) bytes verified")
        }
        #expect(throws: WireError.trailingBytes(count: 1, after: "merkle block")) { try MerkleBlock(parsing: original + [0]) }
        // An extra flag byte inside the length-prefixed vector: "unused flag bytes".
        let proof = try MerkleBlock(parsing: original)
        let extended = Array(original.dropLast(proof.flagBytes.count + 1)) + [UInt8(proof.flagBytes.count + 1)] + proof.flagBytes + [0]
        #expect(throws: WireError.invalidMerkleProof("unused flag bytes")) { try MerkleBlock(parsing: extended).verifiedMatches() }
    }

    @Test func wrongTransactionCountsAreRejected() throws {
        let original = bytes(Fixtures.sixProofTwoMatches)
        for count: UInt8 in [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 255] {
            var mutant = original
            mutant[80] = count
            #expect(throws: WireError.self) { try MerkleBlock(parsing: mutant).verifiedMatches() }
        }
    }

    @Test func duplicatedSiblingIsRejected() throws {
        // CVE-2012-2459: equal siblings let a block with a duplicated transaction
        // list share a root with the honest one; Core refuses them outright.
        // Here the header commits to exactly SHA256d(a || a), so only that check fails.
        let a = [UInt8](repeating: 0x11, count: 32)
        let root = SHA256.hash(SHA256.hash(a + a).bytes).bytes
        let genesis = bytes(Fixtures.genesisHeader)
        let header: [UInt8] = Array(genesis[0..<36]) + root + Array(genesis[68...])  // (Swift 6.2 cannot add the slice)
        // Two transactions with equal leaves: root bit 1, both leaves matched (bits 1, 1).
        let proof = try MerkleBlock(parsing: header + [2, 0, 0, 0, 2] + a + a + [1, 0b111])
        #expect(throws: WireError.invalidMerkleProof("identical sibling hashes (CVE-2012-2459)")) { try proof.verifiedMatches() }
    }

    @Test func anExtraHashIsRejected() throws {
        // Core's "all hashes consumed" rule: a hash appended to a valid proof
        // (of 6 transactions, so 4 hashes are not yet more than the transactions).
        let original = bytes(Fixtures.sixProofLast)
        let proof = try MerkleBlock(parsing: original)
        let hashesEnd = 85 + 32 * proof.hashes.count
        var padded = Array(original[0..<84]) + [UInt8(proof.hashes.count + 1)] + original[85..<hashesEnd]
        padded += [UInt8](repeating: 0x5a, count: 32) + original[hashesEnd...]
        #expect(throws: WireError.invalidMerkleProof("unused hashes")) { try MerkleBlock(parsing: padded).verifiedMatches() }
    }

    private func usedBits(_ proof: MerkleBlock) -> Int {
        // Depth-first count of the bits the traversal consumes, recomputed from the structure.
        let n = Int(proof.transactionCount)
        func width(_ h: Int) -> Int { (n + (1 << h) - 1) >> h }
        var height = 0
        while width(height) > 1 { height += 1 }
        var bits: [Bool] = []
        for byte in proof.flagBytes { for i in 0..<8 { bits.append((byte >> UInt8(i)) & 1 == 1) } }
        var used = 0
        func walk(_ h: Int, _ pos: Int) {
            let bit = bits[used]; used += 1
            if h == 0 || !bit { return }
            walk(h - 1, pos * 2)
            if pos * 2 + 1 < width(h - 1) { walk(h - 1, pos * 2 + 1) }
        }
        walk(height, 0)
        return used
    }
}

/// `MerkleBlock.path(to:)`: the siblings from a matched transaction to the
/// header's Merkle root (the OpenTimestamps conversion's last leg), on the
/// regtest proofs of Fixtures.
@Suite struct MerklePathTests {
    func fold(_ txid: [UInt8], _ path: [MerklePathStep]) -> [UInt8] {
        path.reduce(txid) { node, step in
            let pair = step.siblingIsLeft ? step.sibling + node : node + step.sibling
            return SHA256.hash(SHA256.hash(pair).bytes).bytes
        }
    }

    @Test func pathsFoldToTheHeadersMerkleRoot() throws {
        let cases: [(String, String)] = [(Fixtures.anchorProof, Fixtures.anchorTxid),
                                         (Fixtures.sixProofTwoMatches, Fixtures.sixBlockTxids[1]),
                                         (Fixtures.sixProofTwoMatches, Fixtures.sixBlockTxids[4]),
                                         (Fixtures.sixProofLast, Fixtures.sixBlockTxids[5])]
        for (proof, txidHex) in cases {
            let block = try MerkleBlock(parsing: bytes(proof))
            let txid = Array(bytes(txidHex).reversed())
            let path = try block.path(to: txid)
            #expect(fold(txid, path) == block.header.merkleRoot, "\(txidHex)")
        }
        // The last of six: its left sibling is the fifth; their parent, third of three, is paired with itself.
        let txid = Array(bytes(Fixtures.sixBlockTxids[5]).reversed())
        let last = try MerkleBlock(parsing: bytes(Fixtures.sixProofLast)).path(to: txid)
        #expect(last.count == 3 && last[0].siblingIsLeft && last[0].sibling == Array(bytes(Fixtures.sixBlockTxids[4]).reversed()))
        #expect(!last[1].siblingIsLeft && last[1].sibling == fold(txid, [last[0]]))
        // A transaction the proof does not match has no path.
        #expect(throws: WireError.self) { try MerkleBlock(parsing: bytes(Fixtures.sixProofLast)).path(to: Array(bytes(Fixtures.sixBlockTxids[0]).reversed())) }
    }
}

/// `BitcoinBlock`: what the monitor reads with `getblock <hash> 0`.
@Suite struct BitcoinBlockTests {
    @Test func theGenesisBlockParsesAndItsTransactionsMakeItsMerkleRoot() throws {
        let raw = bytes(Fixtures.genesisHeader) + [0x01] + bytes(Fixtures.genesisCoinbase)
        let block = try BitcoinBlock(parsing: raw)
        #expect(block.header.hashHex == Fixtures.genesisHash)
        #expect(block.transactions.map(\.txidHex) == [Fixtures.genesisCoinbaseTxid] && block.declaredCount == 1)
        // A changed transaction byte no longer makes the header's root.
        #expect(throws: WireError.self) { try BitcoinBlock(parsing: flipped(raw, byte: 80 + 1 + 50, bit: 0)) }
        // A declared count beyond the data is refused, not read past the end.
        #expect(throws: WireError.self) { try BitcoinBlock(parsing: bytes(Fixtures.genesisHeader) + [0x02] + bytes(Fixtures.genesisCoinbase)) }
    }
}
