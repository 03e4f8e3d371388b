import Bitcoin
import Testing

@Suite struct BitcoinTransactionTests {
    @Test func genesisCoinbaseIsLegacyAndItsTxidIsTheMerkleRoot() throws {
        let tx = try BitcoinTransaction(parsing: bytes(Fixtures.genesisCoinbase))
        #expect(!tx.hasWitness)
        #expect(tx.version == 1)
        #expect(tx.inputs.count == 1 && tx.outputs.count == 1)
        #expect(tx.inputs[0].previousIndex == 0xffff_ffff)
        #expect(tx.outputs[0].value == 50 * 100_000_000)
        #expect(tx.txidHex == Fixtures.genesisCoinbaseTxid)
        #expect(tx.wtxid == tx.txid)
    }

    @Test func segwitAnchorTransaction() throws {
        let tx = try BitcoinTransaction(parsing: bytes(Fixtures.anchorTx))
        #expect(tx.hasWitness)
        #expect(tx.version == 2)
        #expect(tx.inputs.count == 1 && tx.outputs.count == 2)
        #expect(tx.inputs[0].witness.count == 2)              // signature, public key (P2WPKH)
        #expect(tx.inputs[0].witness[1].count == 33)
        #expect(tx.txidHex == Fixtures.anchorTxid)
        #expect(tx.wtxid != tx.txid)
        #expect(tx.opReturnPayloads == [bytes(Fixtures.anchorPayload)])
        #expect(tx.bytes == bytes(Fixtures.anchorTx))
    }

    @Test func segwitCoinbaseTxidAndWtxid() throws {
        let tx = try BitcoinTransaction(parsing: bytes(Fixtures.sixCoinbase))
        #expect(tx.hasWitness)
        #expect(tx.txidHex == Fixtures.sixBlockTxids[0])
        #expect(display(tx.wtxid) == Fixtures.sixCoinbaseWtxid)
        // BIP 141 witness commitment: OP_RETURN push of aa21a9ed || 32-byte commitment.
        #expect(tx.opReturnPayloads.count == 1)
        #expect(tx.opReturnPayloads.first?.prefix(4) == [0xaa, 0x21, 0xa9, 0xed])
        #expect(tx.opReturnPayloads.first?.count == 36)
    }

    @Test func legacySpendFromRegtest() throws {
        let tx = try BitcoinTransaction(parsing: bytes(Fixtures.legacySpend))
        #expect(!tx.hasWitness)
        #expect(tx.txidHex == Fixtures.sixBlockTxids[1])
        #expect(tx.opReturnPayloads.isEmpty)
        #expect(tx.inputs[0].witness.isEmpty)
    }

    @Test func flippingAnyNonWitnessBitChangesTheTxid() throws {
        // Every bit of the legacy transaction that still parses gives another txid.
        let original = bytes(Fixtures.legacySpend)
        var parsedMutants = 0
        for index in original.indices {
            for bit in 0..<8 {
                guard let mutant = try? BitcoinTransaction(parsing: flipped(original, byte: index, bit: bit)) else { continue }
                parsedMutants += 1
                #expect(mutant.txidHex != Fixtures.sixBlockTxids[1], "byte \(index) bit \(bit)")
            }
        }
        #expect(parsedMutants > original.count)   // most flips hit signatures and amounts and still parse
    }

    @Test func flippingAWitnessBitKeepsTheTxidButChangesTheWtxid() throws {
        let original = bytes(Fixtures.anchorTx)
        let tx = try BitcoinTransaction(parsing: original)
        // The last witness item is the 33-byte public key, ending 4 bytes before the lock time.
        let mutant = try BitcoinTransaction(parsing: flipped(original, byte: original.count - 5, bit: 0))
        #expect(mutant.txid == tx.txid)
        #expect(mutant.wtxid != tx.wtxid)
        // A flipped bit in the OP_RETURN data changes the txid.
        let payloadByte = try #require(findPayloadOffset(original))
        let dataMutant = try BitcoinTransaction(parsing: flipped(original, byte: payloadByte + 20, bit: 3))
        #expect(dataMutant.txid != tx.txid)
    }

    @Test func everyTruncationAndTrailingByteIsRejected() {
        for fixture in [Fixtures.anchorTx, Fixtures.legacySpend, Fixtures.genesisCoinbase] {
            let original = bytes(fixture)
            for length in 0..<original.count {
                #expect(throws: WireError.self) { try BitcoinTransaction(parsing: Array(original.prefix(length))) }
            }
            #expect(throws: WireError.trailingBytes(count: 1, after: "transaction")) {
                try BitcoinTransaction(parsing: original + [0])
            }
        }
    }

    @Test func unknownFlagsAreRejectedByName() {
        var anchor = bytes(Fixtures.anchorTx)
        anchor[5] = 0x08
        #expect(throws: WireError.mwebUnsupported) { try BitcoinTransaction(parsing: anchor) }
        anchor[5] = 0x02
        #expect(throws: WireError.unsupportedSegwitFlag(0x02)) { try BitcoinTransaction(parsing: anchor) }
    }

    @Test func emptyWitnessesAreSuperfluous() {
        // Segwit marker on a transaction whose only witness stack is empty.
        let legacy = bytes(Fixtures.legacySpend)
        // Typed and in Arrays: Swift 6.2 (Debian's, for the arm64 tests) gives up on the untyped sum.
        let marked: [UInt8] = Array(legacy[0..<4]) + [0x00, 0x01] + Array(legacy[4..<(legacy.count - 4)]) + [0x00] + Array(legacy.suffix(4))
        #expect(throws: WireError.malformed("segwit marker with only empty witnesses (superfluous witness record)")) {
            try BitcoinTransaction(parsing: marked)
        }
    }

    @Test func nonCanonicalCompactSizeIsRejected() {
        // The input count 1 written as 0xfd 0x01 0x00 instead of 0x01.
        let legacy = bytes(Fixtures.legacySpend)
        let padded = Array(legacy[0..<4]) + [0xfd, 0x01, 0x00] + legacy[5...]
        #expect(throws: WireError.badCompactSize(field: "input count")) { try BitcoinTransaction(parsing: padded) }
    }

    private func findPayloadOffset(_ tx: [UInt8]) -> Int? {
        let magic = Array("VGT1".utf8)
        return tx.indices.first { tx[$0...].starts(with: magic) }
    }
}
