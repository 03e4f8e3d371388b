import Foundation

/// A certificate authority made by the test with `openssl` (never
/// committed), and a server certificate it signs for 127.0.0.1.
public struct TestCertificateAuthority {
    public let directory: TemporaryDirectory
    public var caFile: String { directory.file("ca.pem") }
    public var serverCert: String { directory.file("server.pem") }
    public var serverKey: String { directory.file("server.key") }

    public init() throws {
        directory = try TemporaryDirectory("vitalgate-ca")
        let d = directory
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: d.file("san.ext"), atomically: true, encoding: .utf8)
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", d.file("ca.key"), "-out", caFile, "-days", "2", "-subj", "/CN=vitalgate test CA"])
        try Self.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", serverKey, "-out", d.file("server.csr"), "-subj", "/CN=127.0.0.1"])
        try Self.openssl(["x509", "-req", "-in", d.file("server.csr"), "-CA", caFile, "-CAkey", d.file("ca.key"),
                          "-CAcreateserial", "-out", serverCert, "-days", "2", "-extfile", d.file("san.ext")])
    }

    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("openssl \(arguments.first ?? "") failed: \(String(decoding: output, as: UTF8.self))")
        }
    }

    public func remove() { directory.remove() }
}
