import Sodium
import Testing

@Suite struct DataKeyTests {
    let associatedData = Array("vitals/ward-3/bed-12/seq=42".utf8)
    let plaintext = Array(#"{"hr":72,"spo2":97}"#.utf8)

    @Test func roundTripAndLayout() throws {
        let key = DataKey.generate()
        let sealed = key.seal(plaintext, associatedData: associatedData)
        #expect(sealed.count == 24 + plaintext.count + 16, "nonce || ciphertext || tag")
        #expect(try key.open(sealed, associatedData: associatedData) == plaintext)
        #expect(!hex(sealed).contains(hex(plaintext)), "the plaintext does not appear in the sealed bytes")
        // Non-contiguous input and an empty message work too.
        let sealedLazy = key.seal(plaintext.lazy.map { $0 }, associatedData: [])
        #expect(try key.open(sealedLazy, associatedData: []) == plaintext)
        #expect(try key.open(key.seal([UInt8](), associatedData: associatedData), associatedData: associatedData) == [])
    }

    /// Nonces from a pool: each seal opens, and no nonce repeats, across
    /// several refills of a small pool (the last one partly used), with
    /// salts drawn from the same pool in between (as the ingest thread does).
    @Test func pooledNoncesAreUsedOnceEach() throws {
        let key = DataKey.generate()
        let pool = RandomPool(batchBytes: 7 * 24)
        var nonces = Set<[UInt8]>()
        for i in 0..<25 {
            let sealed = key.seal(plaintext, associatedData: associatedData, nonces: pool)
            #expect(try key.open(sealed, associatedData: associatedData) == plaintext, "seal \(i)")
            nonces.insert(Array(sealed.prefix(24)))
            nonces.insert(pool.bytes(16) + [UInt8](repeating: 0xff, count: 8))
        }
        #expect(nonces.count == 50)
        #expect(!nonces.contains([UInt8](repeating: 0, count: 24)), "every nonce was filled from randombytes_buf")
    }

    @Test func everySingleBitFlipFailsToOpen() throws {
        let key = DataKey.generate()
        let sealed = key.seal(plaintext, associatedData: associatedData)
        for bit in 0..<(8 * sealed.count) {
            var mutated = sealed
            mutated[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(throws: DataKeyError.authenticationFailed, "sealed bit \(bit)") {
                try key.open(mutated, associatedData: associatedData)
            }
        }
        for bit in 0..<(8 * associatedData.count) {
            var mutated = associatedData
            mutated[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(throws: DataKeyError.authenticationFailed, "associated data bit \(bit)") {
                try key.open(sealed, associatedData: mutated)
            }
        }
    }

    @Test func truncationWrongKeyAndExtraBytesFail() throws {
        let key = DataKey.generate()
        let sealed = key.seal(plaintext, associatedData: associatedData)
        #expect(throws: DataKeyError.authenticationFailed) { try DataKey.generate().open(sealed, associatedData: associatedData) }
        #expect(throws: DataKeyError.authenticationFailed) { try key.open(Array(sealed.dropLast()), associatedData: associatedData) }
        #expect(throws: DataKeyError.authenticationFailed) { try key.open(sealed + [0], associatedData: associatedData) }
        #expect(throws: DataKeyError.truncated(count: 39)) { try key.open(Array(sealed.prefix(39)), associatedData: associatedData) }
    }

    @Test func sealingTwiceGivesDifferentBytes() {
        let key = DataKey.generate()
        let first = key.seal(plaintext, associatedData: associatedData)
        let second = key.seal(plaintext, associatedData: associatedData)
        #expect(first != second)
        #expect(first.prefix(24) != second.prefix(24), "a fresh random nonce each time")
    }

    @Test func keyFromBytesMatchesAndIsNeverPrinted() throws {
        let raw = [UInt8](0..<32)
        let key = try DataKey(bytes: raw)
        key.withBytes { #expect($0 == raw) }
        let other = try DataKey(bytes: raw)
        #expect(try other.open(key.seal(plaintext, associatedData: []), associatedData: []) == plaintext)
        #expect(throws: DataKeyError.wrongKeyLength(got: 31)) { try DataKey(bytes: Array(raw.prefix(31))) }
        var dumped = ""
        dump(key, to: &dumped)
        for text in ["\(key)", String(reflecting: key), dumped] {
            #expect(!text.contains("0001020304"), "printed: \(text)")
            #expect(text.contains("DataKey"))
        }
    }

    @Test func derivedKeysAreDeterministicPerSeedAndId() throws {
        let seedA = [UInt8](repeating: 0xa1, count: 32), seedB = [UInt8](repeating: 0xb2, count: 32)
        let gatewayA = try Ed25519SecretKey(seed: seedA), sameA = try Ed25519SecretKey(seed: seedA)
        let gatewayB = try Ed25519SecretKey(seed: seedB)
        func bytes(_ key: DataKey) -> [UInt8] { key.withBytes { $0 } }
        #expect(bytes(gatewayA.deriveDataKey(id: 1)) == bytes(sameA.deriveDataKey(id: 1)))
        #expect(bytes(gatewayA.deriveDataKey(id: 1)) != bytes(gatewayA.deriveDataKey(id: 2)))
        #expect(bytes(gatewayA.deriveDataKey(id: 1)) != bytes(gatewayB.deriveDataKey(id: 1)))
        #expect(bytes(gatewayA.deriveDataKey(id: 0)) != seedA, "the subkey is not the seed itself")
        // A value sealed under a derived key opens with the re-derived key after a restart.
        let sealed = gatewayA.deriveDataKey(id: 7).seal(plaintext, associatedData: associatedData)
        #expect(try sameA.deriveDataKey(id: 7).open(sealed, associatedData: associatedData) == plaintext)
        #expect(throws: DataKeyError.authenticationFailed) {
            try sameA.deriveDataKey(id: 8).open(sealed, associatedData: associatedData)
        }
    }

    /// Pins the derivation (crypto_kdf_derive_from_key, context "vgdatkey",
    /// master key = seed): a change here would make stored vitals unreadable.
    /// libsodium's crypto_kdf_blake2b is BLAKE2b-256 of the empty message keyed
    /// with the master key, salt = id (little-endian) || 8 zero bytes,
    /// personalization = context || 8 zero bytes; so, independently of libsodium:
    ///     python3 -c 'import hashlib; print(hashlib.blake2b(b"", digest_size=32, key=bytes([0xa1]*32),
    ///         salt=(7).to_bytes(8,"little")+bytes(8), person=b"vgdatkey"+bytes(8)).hexdigest())'
    @Test func derivationIsPinned() throws {
        let gateway = try Ed25519SecretKey(seed: [UInt8](repeating: 0xa1, count: 32))
        gateway.deriveDataKey(id: 7).withBytes { #expect(hex($0) == Self.pinnedSubkey) }
    }
    static let pinnedSubkey = "8abc5b6359e10af756e52e1234259f83c8cf807a55245d42d1db87d8f26873c7"
}
