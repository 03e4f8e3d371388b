import Bitcoin
import Testing

@Suite struct BlockHeaderTests {
    @Test func genesisHeaderFieldsAndHash() throws {
        let header = try BlockHeader(parsing: bytes(Fixtures.genesisHeader))
        #expect(header.version == 1)
        #expect(header.prevBlock == [UInt8](repeating: 0, count: 32))
        #expect(display(header.merkleRoot) == Fixtures.genesisCoinbaseTxid)
        #expect(header.time == 1_231_006_505)
        #expect(header.bits == 0x1d00ffff)
        #expect(header.nonce == 2_083_236_893)
        #expect(header.hashHex == Fixtures.genesisHash)
    }

    @Test func regtestHeaderHashIsTheLitecoinBlockHash() throws {
        // Litecoin names blocks by SHA256d of the header, not by its scrypt PoW hash.
        let proof = try MerkleBlock(parsing: bytes(Fixtures.anchorProof))
        #expect(proof.header.hashHex == Fixtures.anchorBlock)
        #expect(proof.header.bits == 0x207fffff)
    }

    @Test func wrongLengthsAreRejected() {
        let header = bytes(Fixtures.genesisHeader)
        #expect(throws: WireError.self) { try BlockHeader(parsing: Array(header.dropLast())) }
        #expect(throws: WireError.trailingBytes(count: 1, after: "block header")) { try BlockHeader(parsing: header + [0]) }
    }

    @Test func anyFlippedBitChangesTheHash() throws {
        let header = bytes(Fixtures.genesisHeader)
        for index in header.indices {
            let mutant = try BlockHeader(parsing: flipped(header, byte: index, bit: index % 8))
            #expect(mutant.hashHex != Fixtures.genesisHash)
        }
    }
}
