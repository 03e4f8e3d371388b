import Sodium
import Testing

@Suite struct SealedBoxTests {
    let message = Array("vitalgate-patient/1 Patient/123".utf8)

    @Test func roundTripAndLayout() throws {
        let pair = try Ed25519SecretKey.generate().deriveSealedBoxKeyPair(id: 1)
        let sealed = pair.publicKey.seal(message)
        #expect(sealed.count == message.count + 48, "ephemeral public key (32) || ciphertext || tag (16)")
        #expect(try pair.open(sealed) == message)
        #expect(!hex(sealed).contains(hex(message)), "the message does not appear in the sealed bytes")
        #expect(pair.publicKey.seal(message) != sealed, "sealing is randomized: a fresh ephemeral key each time")
        #expect(try pair.open(pair.publicKey.seal([])) == [])
    }

    /// The pair is a function of the seed and the number, and of nothing else
    /// that is shared: another gateway key, another number, give other keys.
    @Test func derivationIsDeterministicAndSeparated() throws {
        let seed = bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let gateway = try Ed25519SecretKey(seed: seed)
        let again = try Ed25519SecretKey(seed: seed)
        let pair = gateway.deriveSealedBoxKeyPair(id: 1)
        #expect(again.deriveSealedBoxKeyPair(id: 1).publicKey == pair.publicKey)
        #expect(gateway.deriveSealedBoxKeyPair(id: 2).publicKey != pair.publicKey)
        #expect(try Ed25519SecretKey.generate().deriveSealedBoxKeyPair(id: 1).publicKey != pair.publicKey)
        #expect(pair.publicKey.bytes != gateway.publicKey.bytes, "not the signing key")
        // The box seed is not data key 1 (another kdf context): a data key cannot open or forge it.
        let dataKey = gateway.deriveDataKey(id: 1).withBytes { $0 }
        #expect(try SealedBoxKeyPair(seed: dataKey).publicKey != pair.publicKey)
        // The same seed through the public initializer gives the same pair (the derivation is only the kdf step).
        let sealed = pair.publicKey.seal(message)
        #expect(try again.deriveSealedBoxKeyPair(id: 1).open(sealed) == message)
    }

    @Test func wrongKeyChangedBytesAndTruncationFail() throws {
        let pair = try Ed25519SecretKey.generate().deriveSealedBoxKeyPair(id: 1)
        let sealed = pair.publicKey.seal(message)
        // The control: the untouched box opens.
        #expect(try pair.open(sealed) == message)
        #expect(throws: SealedBoxError.authenticationFailed) { try Ed25519SecretKey.generate().deriveSealedBoxKeyPair(id: 1).open(sealed) }
        for bit in stride(from: 0, to: 8 * sealed.count, by: 7) {
            var mutated = sealed
            mutated[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(throws: SealedBoxError.authenticationFailed, "bit \(bit)") { try pair.open(mutated) }
        }
        #expect(throws: SealedBoxError.authenticationFailed) { try pair.open(Array(sealed.dropLast())) }
        #expect(throws: SealedBoxError.truncated(count: 47)) { try pair.open(Array(sealed.prefix(47))) }
        #expect(throws: SodiumError.wrongSeedLength(got: 31)) { try SealedBoxKeyPair(seed: [UInt8](repeating: 1, count: 31)) }
    }

    @Test func neverPrintsTheSecret() throws {
        let pair = try Ed25519SecretKey.generate().deriveSealedBoxKeyPair(id: 1)
        #expect("\(pair)" == "SealedBoxKeyPair(<redacted>)")
        var dumped = ""
        dump(pair, to: &dumped)
        #expect(!dumped.contains("secret"))
        #expect(String(reflecting: pair).contains(hex(pair.publicKey.bytes)))
    }
}
