import Foundation
import Sodium
import Testing
import TestSupport

@Suite struct MosquittoPasswordTests {
    /// Written by mosquitto 2.0.11's own tool:
    ///     mosquitto_passwd -c -b pw alice secret && cat pw
    static let fromMosquittoPasswd =
        "alice:$7$101$r/1ho3Wg4h2q7Yo7$8ni91iN7HQ5vKAj+YuVia6lPKNy5q1bZu9LpoX+kdnacCNQtkw3CBd82e3v/y1gzd2jZOUJJJKm0KQFZH4TV1A=="
    /// That line's salt, r/1ho3Wg4h2q7Yo7 decoded (`echo r/1ho3Wg4h2q7Yo7 | base64 -d | xxd -p`).
    static let salt = bytes("affd61a375a0e21daaed8a3b")

    @Test func reproducesMosquittoPasswdByteForByte() {
        #expect(MosquittoPassword.hashLine(username: "alice", password: "secret", salt: Self.salt) == Self.fromMosquittoPasswd)
    }

    @Test func verifiesTheRightPasswordOnly() {
        #expect(MosquittoPassword.verify(line: Self.fromMosquittoPasswd, password: "secret"))
        #expect(MosquittoPassword.verify(line: Self.fromMosquittoPasswd + "\n", password: "secret"))
        for wrong in ["Secret", "secret ", "secre", ""] {
            #expect(!MosquittoPassword.verify(line: Self.fromMosquittoPasswd, password: wrong), "password \(wrong.debugDescription)")
        }
    }

    @Test func rejectsMalformedOrAlteredLines() {
        let line = Self.fromMosquittoPasswd
        let malformed = [
            "", "alice", ":$7$101$r/1ho3Wg4h2q7Yo7$8ni9", String(line.drop { $0 != ":" }),
            line.replacingOccurrences(of: "$7$101$", with: "$7$0$"),
            line.replacingOccurrences(of: "$7$101$", with: "$7$100$"),
            line.replacingOccurrences(of: "$7$", with: "$8$"),
            line.replacingOccurrences(of: "==", with: "="),
            line.replacingOccurrences(of: "==", with: ""),
            line + "$extra",
        ]
        for candidate in malformed {
            #expect(!MosquittoPassword.verify(line: candidate, password: "secret"), "line \(candidate.debugDescription)")
        }
        // Every single Base64 character of salt and hash, changed, fails.
        let hashStart = line.index(line.firstIndex(of: "$")!, offsetBy: "$7$101$".count)
        for index in line[hashStart...].indices where line[index] != "$" && line[index] != "=" {
            var mutated = line
            mutated.replaceSubrange(index...index, with: line[index] == "A" ? "B" : "A")
            #expect(!MosquittoPassword.verify(line: mutated, password: "secret"), "changed at \(line.distance(from: line.startIndex, to: index))")
        }
    }

    @Test func freshLinesHaveRandomSaltsAndTheDocumentedShape() {
        let first = MosquittoPassword.hashLine(username: "pump-7", password: "pw")
        let second = MosquittoPassword.hashLine(username: "pump-7", password: "pw")
        #expect(first != second, "fresh random salt each time")
        for line in [first, second] {
            // 12-byte salt: 16 Base64 characters; 64-byte hash: 88 with "==" padding.
            #expect(line.wholeMatch(of: /pump-7:\$7\$101\$[A-Za-z0-9+\/]{16}\$[A-Za-z0-9+\/]{86}==/) != nil, "\(line)")
            #expect(MosquittoPassword.verify(line: line, password: "pw"))
        }
        let slow = MosquittoPassword.hashLine(username: "u", password: "pw", iterations: 1000)
        #expect(slow.hasPrefix("u:$7$1000$"))
        #expect(MosquittoPassword.verify(line: slow, password: "pw"))
    }

    @Test func verifiesLinesFromTheInstalledMosquittoPasswd() throws {
        try withScratchDirectory { dir in
            let file = dir + "/passwd"
            let password = DevicePassword.generate()
            for algorithm in ["sha512-pbkdf2", "sha512"] {
                let result = try runTool("/usr/bin/mosquitto_passwd", ["-H", algorithm, "-c", "-b", file, "monitor-3", password])
                try #require(result.status == 0, "mosquitto_passwd: \(result.output)")
                let line = String(decoding: try readFileBytes(file), as: UTF8.self)
                #expect(line.hasPrefix(algorithm == "sha512" ? "monitor-3:$6$" : "monitor-3:$7$101$"), "\(line)")
                #expect(MosquittoPassword.verify(line: line, password: password), "\(algorithm): \(line)")
                #expect(!MosquittoPassword.verify(line: line, password: password + "x"))
            }
        }
    }

    /// A line this code writes logs a client into a real broker; a wrong
    /// password or an unknown user is refused.
    @Test func realBrokerAcceptsTheLinesWeWrite() throws {
        try withScratchDirectory { dir in
            let file = dir + "/passwd"
            let devicePassword = DevicePassword.generate(), otherPassword = DevicePassword.generate()
            let lines = [MosquittoPassword.hashLine(username: "pump-7", password: devicePassword),
                         MosquittoPassword.hashLine(username: "spo2-1", password: otherPassword, iterations: 1000)]
            try writeFile(file, Array((lines.joined(separator: "\n") + "\n").utf8))
            let broker = try Broker(extraConfig: ["password_file \(file)"], allowAnonymous: false)
            defer { broker.stop() }
            #expect(try broker.publish(user: "pump-7", password: devicePassword), "broker log: \(broker.output())")
            #expect(try broker.publish(user: "spo2-1", password: otherPassword), "broker log: \(broker.output())")
            #expect(try !broker.publish(user: "pump-7", password: otherPassword))
            #expect(try !broker.publish(user: "pump-7", password: String(devicePassword.dropLast())))
            #expect(try !broker.publish(user: "nobody", password: devicePassword))
        }
    }

    @Test func devicePasswordsAreURLSafeAndUnique() {
        let passwords = (0..<200).map { _ in DevicePassword.generate() }
        #expect(Set(passwords).count == passwords.count)
        for password in passwords {
            // 24 characters of 64 symbols: 144 bits.
            #expect(password.wholeMatch(of: /[A-Za-z0-9_-]{24}/) != nil, "\(password)")
        }
        // All 64 symbols occur across the sample, so the whole alphabet is used.
        #expect(Set(passwords.joined()).count == 64)
    }
}
