import Bitcoin
import Testing

@Suite struct AnchorPayloadTests {
    /// Public key 0x01...0x20; fingerprint = SHA-256(key)[0..<8], computed with
    /// `python3 -c "import hashlib; print(hashlib.sha256(bytes(range(1,33))).hexdigest()[:16])"`.
    static let key = (1...32).map { UInt8($0) }
    static let expected = "564754310102030405060708" + String(repeating: "ab", count: 32) + "ae216c2ef5247a37"

    @Test func encodesTheDocumentedLayout() {
        let payload = AnchorPayload(treeSize: 0x0102_0304_0506_0708, rootHash: [UInt8](repeating: 0xab, count: 32), gatewayPublicKey: Self.key)
        #expect(payload.bytes == bytes(Self.expected))
        #expect(payload.bytes.count == AnchorPayload.byteCount)
        #expect(payload.keyFingerprint == bytes("ae216c2ef5247a37"))
        #expect(AnchorPayload.keyFingerprint(of: Self.key) == payload.keyFingerprint)
    }

    @Test func roundTrips() throws {
        let payload = AnchorPayload(treeSize: 42, rootHash: (0..<32).map { UInt8($0 * 7) }, gatewayPublicKey: Self.key)
        #expect(try AnchorPayload(parsing: payload.bytes) == payload)
        let parsed = try AnchorPayload(parsing: bytes(Fixtures.anchorPayload))
        #expect(parsed.treeSize == 5)
        #expect(parsed.rootHash == [UInt8](repeating: 0xab, count: 32))
        #expect(parsed.keyFingerprint == [UInt8](repeating: 0xcd, count: 8))
    }

    @Test func rejectsWrongMagic() {
        for index in 0..<4 {
            #expect(throws: WireError.self) { try AnchorPayload(parsing: flipped(bytes(Self.expected), byte: index, bit: 5)) }
        }
    }

    @Test func rejectsWrongLengths() {
        let good = bytes(Self.expected)
        #expect(throws: WireError.invalidAnchorPayload("51 bytes, expected 52")) { try AnchorPayload(parsing: Array(good.dropLast())) }
        #expect(throws: WireError.invalidAnchorPayload("53 bytes, expected 52")) { try AnchorPayload(parsing: good + [0]) }
        #expect(throws: WireError.self) { try AnchorPayload(parsing: []) }
    }
}
