import Foundation
import Sodium
import Testing

@Suite struct KeyFileTests {
    /// A fresh private directory, removed afterwards.
    func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("vitalgate-keyfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as! NSNumber).intValue
    }

    @Test func writesMode0600HexSeedAndReadsBack() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/signing.key"
            let key = try Ed25519SecretKey.generate()
            try KeyFile.write(key, to: path, overwrite: false)
            #expect(try mode(path) == 0o600)
            let content = try String(contentsOfFile: path, encoding: .utf8)
            key.withSeed { seed in
                #expect(content == seed.map { String(format: "%02x", $0) }.joined() + "\n")
            }
            let restored = try KeyFile.read(from: path)
            #expect(restored.publicKey == key.publicKey)
        }
    }

    @Test func modeIsExactEvenUnderAPermissiveUmask() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/signing.key"
            let previous = umask(0)
            defer { umask(previous) }
            try KeyFile.write(try Ed25519SecretKey.generate(), to: path, overwrite: false)
            #expect(try mode(path) == 0o600)
        }
    }

    @Test func refusesToOverwriteWithoutPermission() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/signing.key"
            let first = try Ed25519SecretKey.generate(), second = try Ed25519SecretKey.generate()
            try KeyFile.write(first, to: path, overwrite: false)
            #expect(throws: KeyFileError.alreadyExists(path: path)) {
                try KeyFile.write(second, to: path, overwrite: false)
            }
            #expect(try KeyFile.read(from: path).publicKey == first.publicKey, "the first key survives")
            try KeyFile.write(second, to: path, overwrite: true)
            #expect(try KeyFile.read(from: path).publicKey == second.publicKey)
            #expect(try mode(path) == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["signing.key"], "no temporary file left")
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o620, 0o602, 0o660, 0o666])
    func refusesFilesOpenToGroupOrOthers(_ permissions: Int) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/signing.key"
            try KeyFile.write(try Ed25519SecretKey.generate(), to: path, overwrite: false)
            try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
            let expected = KeyFileError.permissionsTooOpen(path: path, mode: UInt32(permissions))
            #expect(throws: expected) { try KeyFile.read(from: path) }
            #expect(expected.description.contains("chmod 600 \(path)"))
            #expect(expected.description.contains("0" + String(permissions, radix: 8)))
        }
    }

    @Test func acceptsOwnerOnlyModes() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/signing.key"
            try KeyFile.write(try Ed25519SecretKey.generate(), to: path, overwrite: false)
            try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
            _ = try KeyFile.read(from: path)
        }
    }

    @Test func rejectsMalformedContent() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/signing.key"
            let valid = String(repeating: "ab", count: 32)
            for content in ["", valid.dropLast() + "\n", valid + "00\n", "zz" + valid.dropFirst(2) + "\n", valid + "\n\n"] {
                try? FileManager.default.removeItem(atPath: path)
                #expect(FileManager.default.createFile(atPath: path, contents: Data(content.utf8), attributes: [.posixPermissions: 0o600]))
                #expect(throws: KeyFileError.self, "content \(content.debugDescription)") { try KeyFile.read(from: path) }
            }
            // Without the trailing newline is accepted, and so are uppercase digits.
            for content in [valid, valid.uppercased() + "\n"] {
                try FileManager.default.removeItem(atPath: path)
                #expect(FileManager.default.createFile(atPath: path, contents: Data(content.utf8), attributes: [.posixPermissions: 0o600]))
                let key = try KeyFile.read(from: path)
                key.withSeed { #expect($0 == [UInt8](repeating: 0xab, count: 32)) }
            }
        }
    }

    @Test func reportsMissingFilesAndDirectories() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: KeyFileError.systemCall(path: dir + "/absent.key", call: "open", errno: ENOENT)) {
                try KeyFile.read(from: dir + "/absent.key")
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dir)
            #expect(throws: KeyFileError.notARegularFile(path: dir)) { try KeyFile.read(from: dir) }
            let error = KeyFileError.systemCall(path: "/x", call: "open", errno: ENOENT)
            #expect(error.description.contains("No such file or directory"))
        }
    }
}
