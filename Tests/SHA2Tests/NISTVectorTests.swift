import SHA2
import Testing

/// FIPS 180-4 example messages (NIST "Cryptographic Standards and Guidelines:
/// Examples with Intermediate Values", SHA256.pdf and SHA2_Additional.pdf) and
/// CAVP SHA256ShortMsg.rsp entries. Each digest can be reproduced with e.g.
/// `printf abc | sha256sum` or `printf '\xd3' | sha256sum`.
@Suite struct NISTVectorTests {
    static let vectors: [(name: String, message: [UInt8], digest: String)] = [
        ("empty", [], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("448-bit", Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("896-bit", Array(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
                           + "lmnopqrsmnopqrstnopqrstu").utf8),
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ("CAVP Len=8", [0xd3], "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1"),
        ("CAVP Len=16", [0x11, 0xaf], "5ca7133fa735326081558ac312c620eeca9970d1e70a4b95533d956f072d1f98"),
        ("CAVP Len=24", [0xb4, 0x19, 0x0e], "dff2e73091f6c05e528896c4c831b9448653dc2ff043528f6769437bc7b975c2"),
    ]

    @Test(arguments: 0..<vectors.count)
    func oneShot(_ i: Int) {
        let v = Self.vectors[i]
        #expect(SHA256.hash(v.message).hex == v.digest, "\(v.name)")
        #expect(v.message.withUnsafeBytes { SHA256.hash($0) }.hex == v.digest, "\(v.name), raw buffer")
    }

    @Test func oneMillionA() {
        // FIPS 180-4 examples: 1,000,000 repetitions of "a"; fed in 1000-byte pieces.
        let thousand = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        var hasher = SHA256()
        for _ in 0..<1000 { hasher.update(thousand) }
        #expect(hasher.finalize().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func nonContiguousCollection() {
        // A lazy map is not contiguous, so the staging path of update(_:) is used.
        let message = (0..<150).lazy.map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(SHA256.hash(message) == SHA256.hash(Array(message)))
        #expect(SHA256.hash("abc".utf8).hex == Self.vectors[1].digest)
    }

    @Test func flippedBitChangesDigest() {
        var message = Array("abc".utf8)
        message[1] ^= 0x01
        #expect(SHA256.hash(message).hex != Self.vectors[1].digest)
    }
}
