import JSON
import Sodium
import Testing
import Vitals
@testable import VitalgateAgent

/// The stored-leaf form (docs/security.md, "Vitals at rest"): the leaf
/// without the members its row holds, bound to the row's index and clear
/// values; the whole-leaf form of earlier rows still opens.
@Suite struct LeafCipherTests {
    static let salt = Array(0..<16).map(UInt8.init)

    static func leaf(_ metrics: [(key: String, value: ExactDecimal)], device: String = "ward3-bed-watch-0042", ts: Int64 = 1_764_072_000_123) -> (ReadingLeaf, LeafCipher.Row) {
        let reading = Reading(device: device, boot: 3, seq: 1_000_017, ts: ts, metrics: metrics)
        return (ReadingLeaf(reading: reading, salt: salt), LeafCipher.Row(index: 77, reading))
    }

    @Test func aStoredLeafOpensToTheCanonicalLeafAndIsSmaller() throws {
        try Sodium.initialize()
        let cipher = LeafCipher(key: DataKey.generate())
        // Metric keys before, between and after the row's keys ("boot" < "device" < "seq" < "ts").
        for metrics in [[("hr", ExactDecimal(72)), ("rr", ExactDecimal(16)), ("spo2", ExactDecimal(97))],
                        [("a", ExactDecimal(1)), ("dia", ExactDecimal(80)), ("sys", ExactDecimal(120)), ("temp", ExactDecimal(text: "36.6")!), ("z", ExactDecimal(-2))]]
            as [[(key: String, value: ExactDecimal)]] {
            for ts in [Int64(1_764_072_000_123), -5] {
                let (leaf, row) = Self.leaf(metrics, ts: ts)
                let sealed = cipher.seal(leaf: leaf.bytes, row: row)
                #expect(try cipher.open(sealed, row: row) == leaf.bytes)
                #expect(sealed.count + 60 < cipher.seal(leaf.bytes, index: row.index).count, "the row's members are not sealed twice")
                #expect(String(decoding: LeafCipher.storedBody(leaf.bytes), as: UTF8.self).contains("\"salt\":\"000102"))
                #expect(!String(decoding: LeafCipher.storedBody(leaf.bytes), as: UTF8.self).contains("ward3"))
            }
        }
        // Version 1 (unsalted) leaves take the same form.
        let v1 = ReadingLeaf(version1: Self.leaf([("hr", ExactDecimal(60))]).0.reading)
        let row = LeafCipher.Row(index: 5, v1.reading)
        #expect(try cipher.open(cipher.seal(leaf: v1.bytes, row: row), row: row) == v1.bytes)
    }

    @Test func theRowsClearValuesAndPlaceAreBound() throws {
        try Sodium.initialize()
        let cipher = LeafCipher(key: DataKey.generate())
        let (leaf, row) = Self.leaf([("hr", ExactDecimal(72))])
        let sealed = cipher.seal(leaf: leaf.bytes, row: row)
        for altered in [LeafCipher.Row(index: 78, device: row.device, boot: row.boot, seq: row.seq, ts: row.ts),
                        LeafCipher.Row(index: 77, device: row.device + "x", boot: row.boot, seq: row.seq, ts: row.ts),
                        LeafCipher.Row(index: 77, device: row.device, boot: row.boot + 1, seq: row.seq, ts: row.ts),
                        LeafCipher.Row(index: 77, device: row.device, boot: row.boot, seq: row.seq + 1, ts: row.ts),
                        LeafCipher.Row(index: 77, device: row.device, boot: row.boot, seq: row.seq, ts: row.ts + 1)] {
            #expect(throws: StoreError.self) { try cipher.open(sealed, row: altered) }
        }
        // Control: the row as stored opens; another key does not.
        #expect(try cipher.open(sealed, row: row) == leaf.bytes)
        #expect(throws: StoreError.self) { try LeafCipher(key: DataKey.generate()).open(sealed, row: row) }
    }

    @Test func aWholeLeafSealedBeforeStillOpens() throws {
        try Sodium.initialize()
        let cipher = LeafCipher(key: DataKey.generate())
        let (leaf, row) = Self.leaf([("hr", ExactDecimal(72))])
        let whole = cipher.seal(leaf.bytes, index: row.index)
        #expect(try cipher.open(whole, row: row) == leaf.bytes)
        #expect(throws: StoreError.self) { try cipher.open(whole, row: LeafCipher.Row(index: 78, device: row.device, boot: row.boot, seq: row.seq, ts: row.ts)) }
    }
}
