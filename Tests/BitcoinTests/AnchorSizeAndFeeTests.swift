import Bitcoin
import Testing

/// Weight, virtual size and fee arithmetic, checked against a transaction
/// litecoind signed (Fixtures.anchorTx: 1 P2WPKH input, OP_RETURN VGT1, 1 change).
@Suite struct AnchorSizeAndFeeTests {
    private func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    @Test func weightOfASignedAnchorMatchesTheNode() throws {
        let tx = try BitcoinTransaction(parsing: bytes(Fixtures.anchorTx))
        // decoderawtransaction on the node: size 254, vsize 173, weight 689 (71-byte signature).
        #expect(tx.bytes.count == 254)
        #expect(tx.strippedBytes.count == 145)
        #expect(tx.weight == 689)
        #expect(tx.virtualSize == 173)
    }

    @Test func theSizeBoundCoversTheSignedTransaction() throws {
        let tx = try BitcoinTransaction(parsing: bytes(Fixtures.anchorTx))
        let bound = AnchorTransactionSize.weight(inputs: 1, changeOutputs: 1, payloadBytes: 52)
        #expect(bound >= tx.weight)
        #expect(bound - tx.weight <= 1)      // only the signature's possible 72nd byte
        #expect(AnchorTransactionSize.virtualBytes() == 173)
        // Each further P2WPKH input adds 41 stripped bytes and a 108-byte witness: 272 WU.
        #expect(AnchorTransactionSize.weight(inputs: 2) - AnchorTransactionSize.weight(inputs: 1) == 4 * 41 + 108)
        // Without change: 31 bytes less.
        #expect(AnchorTransactionSize.weight(changeOutputs: 0) == bound - 4 * 31)
    }

    @Test func feesRoundUpAndClamp() {
        let one = FeeRate(coinsPerKvB: 0.00001)            // 1 sat/vB: the default -minrelaytxfee
        #expect(one.satoshisPerKvB == 1000)
        #expect(one.fee(virtualBytes: 173) == 173)
        let odd = FeeRate(satoshisPerKvB: 1001)
        #expect(odd.fee(virtualBytes: 173) == 174)         // 173.173 rounds up
        #expect(odd.description == "1.001 sat/vB")
        #expect(FeeRate(coinsPerKvB: 0.0002).description == "20 sat/vB")
        let floor = FeeRate(satoshisPerKvB: 1000), cap = FeeRate(satoshisPerKvB: 50_000)
        #expect(FeeRate(satoshisPerKvB: 10).clamped(floor: floor, cap: cap) == floor)
        #expect(FeeRate(satoshisPerKvB: 90_000).clamped(floor: floor, cap: cap) == cap)
        #expect(FeeRate(satoshisPerKvB: 5000).clamped(floor: floor, cap: cap).satoshisPerKvB == 5000)
    }
}
