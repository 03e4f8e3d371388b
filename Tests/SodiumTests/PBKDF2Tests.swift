import Sodium
import Testing

@Suite struct PBKDF2Tests {
    struct Vector: Sendable, CustomStringConvertible {
        let password: String, salt: String, iterations: Int, keyLength: Int, derived: String
        var description: String { "\(password.debugDescription)/\(salt.debugDescription)/c=\(iterations)/dkLen=\(keyLength)" }
    }

    /// The widely published PBKDF2-HMAC-SHA512 vectors (the RFC 6070 inputs
    /// with SHA-512), plus embedded NULs, a key longer than one HMAC block
    /// (two PBKDF2 blocks) and a password longer than SHA-512's 128-byte
    /// block (which HMAC hashes first). Every row reproduces with
    ///     python3 -c 'import hashlib; print(hashlib.pbkdf2_hmac("sha512", b"password", b"salt", 1, 64).hex())'
    /// substituting the row's password, salt, iterations and length.
    static let vectors: [Vector] = [
        Vector(password: "password", salt: "salt", iterations: 1, keyLength: 64, derived: """
            867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252\
            c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce
            """),
        Vector(password: "password", salt: "salt", iterations: 2, keyLength: 64, derived: """
            e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53c\
            f76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e
            """),
        Vector(password: "password", salt: "salt", iterations: 4096, keyLength: 64, derived: """
            d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5\
            143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5
            """),
        Vector(password: "passwordPASSWORDpassword", salt: "saltSALTsaltSALTsaltSALTsaltSALTsalt",
               iterations: 4096, keyLength: 64, derived: """
            8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868c005174dc4ee71\
            115b59f9e60cd9532fa33e0f75aefe30225c583a186cd82bd4daea9724a3d3b8
            """),
        Vector(password: "pass\0word", salt: "sa\0lt", iterations: 4096, keyLength: 16,
               derived: "9d9e9c4cd21fe4be24d5b8244c759665"),
        Vector(password: "password", salt: "salt", iterations: 1, keyLength: 100, derived: """
            867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252\
            c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce\
            7b532e206c2967d4c7d2ffa460539fc4d4e5eec70125d74c6c7cf86d25284f297907fcea
            """),
        Vector(password: String(repeating: "x", count: 200), salt: "salt", iterations: 3, keyLength: 32,
               derived: "7e06f7557aae6057f38260ec33f67b9675bebccb8b17931386629a07d32149d2"),
    ]

    @Test(arguments: vectors)
    func publishedVectors(_ vector: Vector) {
        let derived = PBKDF2.hmacSHA512(
            password: Array(vector.password.utf8), salt: Array(vector.salt.utf8),
            iterations: vector.iterations, keyLength: vector.keyLength)
        #expect(hex(derived) == vector.derived)
    }

    @Test func everyInputChangesTheOutput() {
        let base = PBKDF2.hmacSHA512(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 2, keyLength: 64)
        #expect(PBKDF2.hmacSHA512(password: Array("passwore".utf8), salt: Array("salt".utf8), iterations: 2, keyLength: 64) != base)
        #expect(PBKDF2.hmacSHA512(password: Array("password".utf8), salt: Array("salu".utf8), iterations: 2, keyLength: 64) != base)
        #expect(PBKDF2.hmacSHA512(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 3, keyLength: 64) != base)
        // A shorter key is a prefix of the longer one (RFC 8018 5.2 step 4).
        #expect(PBKDF2.hmacSHA512(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 2, keyLength: 20)
                == Array(base.prefix(20)))
    }
}
