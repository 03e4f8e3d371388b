import Codecs
import JSON
import SignedNote
import Testing

@Suite struct Ed25519NoteKeyTests {
    /// Key IDs recomputed from name and key must equal the published ones.
    @Test(arguments: [
        ("PeterNeumann", Vectors.peterPublicKey, "c74f20a3"),
        ("EnochRoot", Vectors.enochPublicKey, "af0cfe78"),
    ])
    func keyIDIsTruncatedSHA256OfNameAndKey(name: String, publicKey: [UInt8], keyID: String) {
        #expect(publicKey.count == 32)
        #expect(Hex.encode(Ed25519NoteKey.keyID(name: name, publicKey: publicKey)) == keyID)
    }

    @Test func verifierKeyRoundTrips() throws {
        #expect(Ed25519NoteKey.verifierKey(name: "PeterNeumann", publicKey: Vectors.peterPublicKey) == Vectors.peterVerifierKey)
        let parsed = try Ed25519NoteKey.parseVerifierKey(Vectors.peterVerifierKey)
        #expect(parsed.name == "PeterNeumann")
        #expect(parsed.publicKey == Vectors.peterPublicKey)
        #expect(try Ed25519NoteKey.parseVerifierKey(Vectors.enochVerifierKey).name == "EnochRoot")
    }

    /// As in TestNewVerifier: every proper substring and every single-byte
    /// increment of the key must be rejected.
    @Test func everyManglingIsRejected() {
        let bytes = Array(Vectors.peterVerifierKey.utf8)
        var accepted: [String] = []
        for i in 0...bytes.count {
            for j in (i + 1)..<(bytes.count + 1) where !(i == 0 && j == bytes.count) {
                let s = String(decoding: bytes[i..<j], as: UTF8.self)
                if (try? Ed25519NoteKey.parseVerifierKey(s)) != nil { accepted.append(s) }
            }
        }
        for i in bytes.indices {
            var mangled = bytes
            mangled[i] &+= 1
            let s = String(decoding: mangled, as: UTF8.self)
            if (try? Ed25519NoteKey.parseVerifierKey(s)) != nil { accepted.append(s) }
        }
        #expect(accepted.isEmpty)
    }

    @Test(arguments: [
        ("PeterNeumann+c74f20a3", VerifierKeyError.Kind.malformed),
        ("Peter+Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .malformed),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .invalidName),
        ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .invalidKeyID),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", .invalidBase64),
        // From TestNewVerifier: wrong length and unknown algorithm, each with an adjusted key hash.
        // The first is also non-canonical base64 (nonzero padding bits), which we reject earlier.
        ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", .invalidBase64),
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .unsupportedType),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .keyIDMismatch),
        ("PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .keyIDMismatch),
    ])
    func rejectsWithReason(key: String, kind: VerifierKeyError.Kind) {
        #expect(throws: VerifierKeyError(kind)) { try Ed25519NoteKey.parseVerifierKey(key) }
    }

    @Test func rejectsWrongKeyLength() {
        let key = "PeterNeumann+c74f20a3+" + Base64.encode([0x01] + Vectors.peterPublicKey + [0x00])
        #expect(throws: VerifierKeyError(.wrongKeyLength)) { try Ed25519NoteKey.parseVerifierKey(key) }
    }
}
