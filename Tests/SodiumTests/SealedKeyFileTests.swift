import Foundation
import Sodium
import Testing

@Suite struct SealedKeyFileTests {
    let passphrase = Array("correct horse battery staple".utf8)
    /// Argon2id at its minimum cost, for tests that are not about the limits
    /// (interactive costs 0.1-0.3 s a call).
    let fast = PasswordHashLimits.minimum

    @Test func roundTripWithDefaultLimits() throws {
        try withScratchDirectory { dir in
            let path = dir + "/signing.key"
            let key = try Ed25519SecretKey.generate()
            try KeyFile.writeSealed(key, to: path, passphrase: passphrase, overwrite: false)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as! NSNumber).intValue == 0o600)

            let lines = String(decoding: try readFileBytes(path), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 3 && lines[2].isEmpty, "two lines, each ending in a newline")
            // crypto_pwhash_OPSLIMIT_INTERACTIVE = 2, MEMLIMIT_INTERACTIVE = 64 MiB (crypto_pwhash_argon2id.h).
            #expect(lines[0].hasPrefix("vitalgate-sealed-key v1 argon2id opslimit=2 memlimit=67108864 salt="))
            #expect(lines[0].wholeMatch(of: /vitalgate-sealed-key v1 argon2id opslimit=\d+ memlimit=\d+ salt=[0-9a-f]{32} nonce=[0-9a-f]{48}/) != nil)
            #expect(lines[1].wholeMatch(of: /[0-9a-f]{96}/) != nil)

            #expect(try KeyFile.isSealed(path: path))
            #expect(try KeyFile.readSealed(from: path, passphrase: passphrase).publicKey == key.publicKey)
        }
    }

    @Test func fileHoldsNeitherTheSeedNorItsHex() throws {
        try withScratchDirectory { dir in
            let path = dir + "/signing.key"
            let key = try Ed25519SecretKey.generate()
            try KeyFile.writeSealed(key, to: path, passphrase: passphrase, overwrite: false, limits: fast)
            let content = try readFileBytes(path)
            key.withSeed { seed in
                #expect(!Data(content).contains(Data(seed)), "raw seed bytes")
                let text = String(decoding: content, as: UTF8.self)
                #expect(!text.contains(hex(seed)), "lowercase hex seed")
                #expect(!text.uppercased().contains(hex(seed).uppercased()), "hex seed in any case")
                #expect(!text.contains(hex(Array(seed.prefix(8)))), "not even 8 seed bytes in hex")
            }
        }
    }

    @Test func sealingTheSameKeyTwiceGivesDifferentFiles() throws {
        try withScratchDirectory { dir in
            let key = try Ed25519SecretKey.generate()
            try KeyFile.writeSealed(key, to: dir + "/a.key", passphrase: passphrase, overwrite: false, limits: fast)
            try KeyFile.writeSealed(key, to: dir + "/b.key", passphrase: passphrase, overwrite: false, limits: fast)
            #expect(try readFileBytes(dir + "/a.key") != readFileBytes(dir + "/b.key"), "fresh salt and nonce")
        }
    }

    @Test func wrongPassphraseIsReportedAsSuch() throws {
        try withScratchDirectory { dir in
            let path = dir + "/signing.key"
            try KeyFile.writeSealed(try Ed25519SecretKey.generate(), to: path, passphrase: passphrase, overwrite: false, limits: fast)
            for wrong in [Array("correct horse battery stapler".utf8), Array("Correct horse battery staple".utf8), []] {
                #expect(throws: KeyFileError.wrongPassphrase(path: path)) {
                    try KeyFile.readSealed(from: path, passphrase: wrong)
                }
            }
            #expect(KeyFileError.wrongPassphrase(path: path).description.contains("wrong passphrase for sealed key file \(path)"))
        }
    }

    /// Changing any single byte of the file (header, salt, nonce, ciphertext,
    /// tag, line ends) makes reading fail: the header is the AEAD associated data.
    @Test func everySingleByteChangeFails() throws {
        try withScratchDirectory { dir in
            let path = dir + "/signing.key", probe = dir + "/probe.key"
            try KeyFile.writeSealed(try Ed25519SecretKey.generate(), to: path, passphrase: passphrase, overwrite: false, limits: fast)
            let original = try readFileBytes(path)
            let hexDigits = Array("0123456789abcdef".utf8)
            var outcomes: Set<String> = []
            for index in original.indices {
                var mutated = original
                if let digit = hexDigits.firstIndex(of: original[index]) {
                    mutated[index] = hexDigits[(digit + 1) % 16]  // still hex: must fail cryptographically
                } else {
                    mutated[index] = original[index] == UInt8(ascii: "X") ? UInt8(ascii: "Y") : UInt8(ascii: "X")
                }
                try writeFile(probe, mutated)
                switch Result(catching: { () throws(KeyFileError) in try KeyFile.readSealed(from: probe, passphrase: passphrase) }) {
                case .success:
                    Issue.record("byte \(index) changed, yet the file opened")
                case .failure(.wrongPassphrase):
                    outcomes.insert("wrongPassphrase")
                case .failure(.malformedSealed):
                    outcomes.insert("malformedSealed")
                case .failure(let error):
                    Issue.record("byte \(index): unexpected \(error)")
                }
            }
            #expect(outcomes == ["wrongPassphrase", "malformedSealed"])
        }
    }

    @Test func changedParametersFailEvenWhenWellFormed() throws {
        try withScratchDirectory { dir in
            let path = dir + "/signing.key"
            try KeyFile.writeSealed(try Ed25519SecretKey.generate(), to: path, passphrase: passphrase, overwrite: false, limits: fast)
            let original = String(decoding: try readFileBytes(path), as: UTF8.self)
            #expect(original.contains("opslimit=1 memlimit=8192 "))
            for (from, to) in [("opslimit=1 ", "opslimit=2 "), ("memlimit=8192 ", "memlimit=16384 ")] {
                try writeFile(path, Array(original.replacingOccurrences(of: from, with: to).utf8))
                #expect(throws: KeyFileError.wrongPassphrase(path: path)) { try KeyFile.readSealed(from: path, passphrase: passphrase) }
            }
            // Limits beyond the ceiling are refused before Argon2id allocates anything.
            try writeFile(path, Array(original.replacingOccurrences(of: "memlimit=8192 ", with: "memlimit=1099511627776 ").utf8))
            let error = #expect(throws: KeyFileError.self) { try KeyFile.readSealed(from: path, passphrase: passphrase) }
            guard case .malformedSealed(_, let reason)? = error else {
                Issue.record("expected malformedSealed, got \(String(describing: error))")
                return
            }
            #expect(reason.contains("opslimit/memlimit"))
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660])
    func refusesSealedFilesOpenToOthers(_ permissions: Int) throws {
        try withScratchDirectory { dir in
            let path = dir + "/signing.key"
            try KeyFile.writeSealed(try Ed25519SecretKey.generate(), to: path, passphrase: passphrase, overwrite: false, limits: fast)
            try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
            let expected = KeyFileError.permissionsTooOpen(path: path, mode: UInt32(permissions))
            #expect(throws: expected) { try KeyFile.readSealed(from: path, passphrase: passphrase) }
            #expect(throws: expected) { try KeyFile.isSealed(path: path) }
            #expect(throws: expected) { try KeyFile.load(from: path, passphrase: { passphrase }) }
        }
    }

    @Test func loadAsksForThePassphraseOnlyForSealedFiles() throws {
        try withScratchDirectory { dir in
            let plain = dir + "/plain.key", sealed = dir + "/sealed.key"
            let key = try Ed25519SecretKey.generate()
            try KeyFile.write(key, to: plain, overwrite: false)
            try KeyFile.writeSealed(key, to: sealed, passphrase: passphrase, overwrite: false, limits: fast)
            #expect(try !KeyFile.isSealed(path: plain))
            #expect(try KeyFile.isSealed(path: sealed))

            var calls = 0
            let fromPlain = try KeyFile.load(from: plain, passphrase: { calls += 1; return passphrase })
            #expect(calls == 0)
            #expect(fromPlain.publicKey == key.publicKey)
            let fromSealed = try KeyFile.load(from: sealed, passphrase: { calls += 1; return passphrase })
            #expect(calls == 1)
            #expect(fromSealed.publicKey == key.publicKey)

            struct NoPassphrase: Error {}
            #expect(throws: NoPassphrase.self) { try KeyFile.load(from: sealed, passphrase: { throw NoPassphrase() }) }
            #expect(throws: KeyFileError.wrongPassphrase(path: sealed)) {
                try KeyFile.load(from: sealed, passphrase: { Array("nope".utf8) })
            }
            #expect(throws: KeyFileError.self) { try KeyFile.readSealed(from: plain, passphrase: passphrase) }
            #expect(throws: KeyFileError.self, "a sealed file is not a plain one") { try KeyFile.read(from: sealed) }
        }
    }

    @Test func refusesOverwriteAndEmptyPassphrase() throws {
        try withScratchDirectory { dir in
            let path = dir + "/signing.key"
            let first = try Ed25519SecretKey.generate(), second = try Ed25519SecretKey.generate()
            try KeyFile.writeSealed(first, to: path, passphrase: passphrase, overwrite: false, limits: fast)
            #expect(throws: KeyFileError.alreadyExists(path: path)) {
                try KeyFile.writeSealed(second, to: path, passphrase: passphrase, overwrite: false, limits: fast)
            }
            #expect(try KeyFile.readSealed(from: path, passphrase: passphrase).publicKey == first.publicKey)
            try KeyFile.writeSealed(second, to: path, passphrase: passphrase, overwrite: true, limits: fast)
            #expect(try KeyFile.readSealed(from: path, passphrase: passphrase).publicKey == second.publicKey)
            #expect(throws: KeyFileError.emptyPassphrase(path: dir + "/other.key")) {
                try KeyFile.writeSealed(first, to: dir + "/other.key", passphrase: [], overwrite: false, limits: fast)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["signing.key"])
        }
    }

    @Test func limitsAreValidated() {
        #expect(PasswordHashLimits(opsLimit: 0, memLimit: 8192) == nil)
        #expect(PasswordHashLimits(opsLimit: 1, memLimit: 8191) == nil)
        #expect(PasswordHashLimits(opsLimit: 17, memLimit: 8192) == nil)
        #expect(PasswordHashLimits(opsLimit: 1, memLimit: (1 << 30) + 1) == nil)
        #expect(PasswordHashLimits(opsLimit: 3, memLimit: 1 << 28) == .moderate)
        #expect(PasswordHashLimits.interactive.opsLimit == 2 && PasswordHashLimits.interactive.memLimit == 64 << 20)
    }
}
