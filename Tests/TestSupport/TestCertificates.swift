import Foundation

/// A throwaway CA and a broker certificate for 127.0.0.1, made with the
/// openssl command line in a temporary folder for one test (private keys
/// are never committed). ECDSA P-256, valid for one day.
public struct TestCertificates: Sendable {
    public let directory: TemporaryDirectory
    public var caFile: String { directory.file("ca.crt") }
    public var certFile: String { directory.file("broker.crt") }
    public var keyFile: String { directory.file("broker.key") }

    public init() throws {
        directory = try TemporaryDirectory("vitalgate-tls")
        let d = directory
        // libmosquitto checks the broker's name against the host it dialled,
        // here the IP address 127.0.0.1, so the certificate needs it as an IP SAN.
        try "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".write(toFile: d.file("san.ext"), atomically: true, encoding: .utf8)
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", d.file("ca.key"), "-out", caFile, "-subj", "/CN=vitalgate test CA", "-days", "1"])
        try Self.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", keyFile, "-out", d.file("broker.csr"), "-subj", "/CN=127.0.0.1"])
        try Self.openssl(["x509", "-req", "-in", d.file("broker.csr"), "-CA", caFile, "-CAkey", d.file("ca.key"),
                          "-CAcreateserial", "-out", certFile, "-days", "1", "-extfile", d.file("san.ext")])
    }

    private static func openssl(_ arguments: [String]) throws {
        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        tool.arguments = arguments
        let pipe = Pipe()
        tool.standardOutput = pipe
        tool.standardError = pipe
        try tool.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        tool.waitUntilExit()
        guard tool.terminationStatus == 0 else {
            throw HarnessError("openssl \(arguments.first ?? "") failed: \(String(decoding: output, as: UTF8.self))")
        }
    }

    public func remove() { directory.remove() }
}

/// What the gateway broker configuration (Provisioning/mosquitto-gateway.conf.in) needs filled in.
public struct BrokerSecurity: Sendable {
    public var passwordFile: String
    public var aclFile: String
    public var pidFile: String
    public var certificates: TestCertificates

    public init(passwordFile: String, aclFile: String, pidFile: String, certificates: TestCertificates) {
        self.passwordFile = passwordFile
        self.aclFile = aclFile
        self.pidFile = pidFile
        self.certificates = certificates
    }
}
