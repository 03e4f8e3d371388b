import SHA2
import Testing

@Suite struct IncrementalTests {
    /// A 200-byte message spanning three blocks and every padding case.
    static let message: [UInt8] = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    @Test func everySplitPointMatchesOneShot() {
        let expected = SHA256.hash(Self.message)
        for split in 0...Self.message.count {
            var hasher = SHA256()
            hasher.update(Self.message[..<split])
            hasher.update(Self.message[split...])
            #expect(hasher.finalize() == expected, "split at \(split)")
        }
    }

    @Test func everyTwoSplitPointsMatchOneShot() {
        let expected = SHA256.hash(Self.message)
        for first in stride(from: 0, through: Self.message.count, by: 7) {
            for second in first...Self.message.count {
                var hasher = SHA256()
                Self.message[..<first].withUnsafeBytes { hasher.update($0) }
                Self.message[first..<second].withUnsafeBytes { hasher.update($0) }
                hasher.update(Self.message[second...])
                #expect(hasher.finalize() == expected, "splits at \(first), \(second)")
            }
        }
    }

    @Test func byteAtATime() {
        var hasher = SHA256()
        for byte in Self.message { hasher.update(CollectionOfOne(byte)) }
        #expect(hasher.finalize() == SHA256.hash(Self.message))
    }

    @Test func emptyUpdatesAreNoOps() {
        var hasher = SHA256()
        hasher.update([UInt8]())
        hasher.update(UnsafeRawBufferPointer(start: nil, count: 0))
        hasher.update(Array("abc".utf8))
        hasher.update([UInt8]())
        #expect(hasher.finalize().hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
