import Foundation
import SHA2
import Testing

/// Random inputs hashed here and by coreutils `sha256sum`, which must agree.
/// Lengths cover every padding case around the 55/56/64-byte boundaries.
@Suite struct SHA256SumCrossCheckTests {
    @Test func agreesWithSha256sum() throws {
        var generator = SystemRandomNumberGenerator()
        let lengths = Array(0...130) + [447, 448, 1000, 4095, 4096, 65_537]
        for length in lengths {
            let message = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let expected = try sha256sum(message)
            #expect(SHA256.hash(message).hex == expected, "length \(length)")
        }
    }

    /// Runs `sha256sum` with `input` on stdin and returns the hex digest it prints.
    private func sha256sum(_ input: [UInt8]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        return String(text.prefix(64))
    }
}
