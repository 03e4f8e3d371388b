import Sodium
import Testing

@Suite struct KeyTests {
    @Test func generatedKeysSignAndVerify() throws {
        let key = try Ed25519SecretKey.generate()
        let other = try Ed25519SecretKey.generate()
        #expect(key.publicKey != other.publicKey)
        let message = Array("vitals batch 42".utf8)
        let signature = key.sign(message)
        #expect(signature.count == 64)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        #expect(!other.publicKey.isValidSignature(signature, for: message))
        // Deterministic (RFC 8032 section 5.1.6), and the same through a non-contiguous collection.
        #expect(key.sign(message.lazy.map { $0 }) == signature)
        #expect(key.publicKey.isValidSignature(signature, for: message.lazy.map { $0 }))
    }

    @Test func seedRoundTrip() throws {
        let key = try Ed25519SecretKey.generate()
        let restored = try key.withSeed { try Ed25519SecretKey(seed: $0) }
        #expect(restored.publicKey == key.publicKey)
        #expect(restored.sign([1, 2, 3]) == key.sign([1, 2, 3]))
    }

    @Test func rejectsWrongLengths() {
        #expect(throws: SodiumError.wrongSeedLength(got: 31)) { try Ed25519SecretKey(seed: [UInt8](repeating: 1, count: 31)) }
        #expect(Ed25519PublicKey(bytes: [UInt8](repeating: 1, count: 31)) == nil)
        #expect(Ed25519PublicKey(bytes: [UInt8](repeating: 1, count: 33)) == nil)
    }

    @Test func secretKeyIsNeverPrinted() throws {
        let key = try Ed25519SecretKey(seed: [UInt8](repeating: 0xab, count: 32))
        #expect("\(key)" == "<redacted>")
        #expect(String(describing: key) == "<redacted>")
        #expect(!String(reflecting: key).lowercased().contains("abab"))
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains("abab") && !dumped.contains("171"), "dump output: \(dumped)")
        #expect(Mirror(reflecting: key).children.isEmpty)
    }

    @Test func initializeIsIdempotentAcrossThreads() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { try Sodium.initialize() } }
            try await group.waitForAll()
        }
    }

    @Test func randomBytesAndZeroing() {
        #expect(SecureRandom.bytes(0).isEmpty)
        let a = SecureRandom.bytes(32), b = SecureRandom.bytes(32)
        #expect(a.count == 32 && a != b)
        var secret = SecureRandom.bytes(64)
        sodiumZero(&secret)
        #expect(secret == [UInt8](repeating: 0, count: 64))
    }
}
