import SHA2
import Testing

@Suite struct DigestTests {
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    @Test func hexRoundTrip() throws {
        let digest = try #require(SHA256Digest(hex: abc))
        #expect(digest.hex == abc)
        #expect(digest == SHA256.hash(Array("abc".utf8)))
        #expect(SHA256Digest(hex: abc.uppercased()) == digest)
        #expect("\(digest)" == abc)
    }

    @Test func rejectsMalformedHex() {
        #expect(SHA256Digest(hex: String(abc.dropLast())) == nil)
        #expect(SHA256Digest(hex: abc + "0") == nil)
        #expect(SHA256Digest(hex: String(abc.dropLast()) + "g") == nil)
        #expect(SHA256Digest(hex: "") == nil)
    }

    @Test func bytesRoundTrip() throws {
        let bytes: [UInt8] = (0..<32).map { UInt8($0 * 8 + 1) }
        let digest = try #require(SHA256Digest(bytes: bytes))
        #expect(digest.bytes == bytes)
        #expect(digest.withUnsafeBytes { Array($0) } == bytes)
        #expect(SHA256Digest(bytes: bytes[...]) == digest)
        #expect(SHA256Digest(bytes: bytes.dropLast()) == nil)
        #expect(SHA256Digest(bytes: bytes + [0]) == nil)
        #expect(SHA256Digest.byteCount == 32)
    }

    @Test func orderIsLexicographicOverBytes() throws {
        // Differences placed in each of the four stored words, compared against hex order.
        var samples: [SHA256Digest] = []
        for position in [0, 7, 8, 15, 16, 24, 31] {
            for value: UInt8 in [0x00, 0x01, 0x80, 0xff] {
                var bytes = [UInt8](repeating: 0x40, count: 32)
                bytes[position] = value
                samples.append(try #require(SHA256Digest(bytes: bytes)))
            }
        }
        for a in samples {
            for b in samples {
                #expect((a < b) == (a.hex < b.hex), "\(a) < \(b)")
            }
        }
    }

    @Test func hashableDistinguishesDigests() {
        let set = Set((0..<100).map { SHA256.hash([UInt8($0)]) })
        #expect(set.count == 100)
    }
}
