import Foundation
import Testing
import TestSupport

/// Key handling (issue 5): the agent refuses a key others can read and says
/// why; a sealed key starts with the right passphrase and fails cleanly
/// with a wrong one. No broker or ledger is needed to get this far.
@Suite(.serialized)
struct SecurityKeyTests {
    /// Settings that let the agent start; the ledger is never reached here.
    static func settings(_ scratch: TemporaryDirectory) -> [String: String] {
        ["ledger_url": "http://127.0.0.1:9", "ledger_cookie": scratch.file("no-cookie"), "mqtt_port": "9"]
    }

    /// Runs `vitalgate run` expecting it to exit by itself within 20 s.
    static func runToExit(_ gateway: GatewayFixture, _ extra: [String] = []) throws -> (status: Int32?, output: String) {
        let log = gateway.directory.file("refused-\(UUID().uuidString.prefix(6)).log")
        let agent = try ChildProcess(name: "vitalgate", executable: vitalgateBinary(),
                                     arguments: ["run", "--home", gateway.home] + extra, logPath: log)
        let status = agent.waitForExit(timeout: 20)
        agent.stop(grace: 5)
        return (status, contents(log))
    }

    @Test func aKeyOthersCanReadStopsTheAgentWithAClearMessage() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let gateway = try GatewayFixture(settings: Self.settings(scratch), devices: [])
        defer { gateway.remove() }
        let keyFile = gateway.home + "/gateway.key"
        let seed = contents(keyFile).trimmingCharacters(in: .whitespacesAndNewlines)
        for mode in [0o644, 0o640, 0o604] {
            #expect(chmod(keyFile, mode_t(mode)) == 0)
            let (status, output) = try Self.runToExit(gateway)
            #expect(status != nil && status != 0, "mode \(String(mode, radix: 8)): \(output)")
            #expect(output.contains("key file \(keyFile) has mode 0\(String(mode, radix: 8))"), "\(output)")
            #expect(output.contains("chmod 600 \(keyFile)"), "\(output)")
            #expect(!output.contains(seed))
        }
        #expect(chmod(keyFile, 0o600) == 0)
    }

    @Test func aSealedKeyStartsWithTheRightPassphraseOnly() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let passphrase = "sealed-key test passphrase 4c1d"
        try writePrivate(scratch.file("passphrase"), passphrase + "\n")
        let gateway = try GatewayFixture(settings: Self.settings(scratch), devices: [],
                                         provisionArguments: ["--passphrase-file", scratch.file("passphrase")])
        defer { gateway.remove() }
        let keyFile = gateway.home + "/gateway.key"
        #expect(contents(keyFile).hasPrefix("vitalgate-sealed-key v1 argon2id "))

        try writePrivate(scratch.file("wrong"), "not the passphrase\n")
        let wrong = try Self.runToExit(gateway, ["--passphrase-file", scratch.file("wrong")])
        #expect(wrong.status != nil && wrong.status != 0)
        #expect(wrong.output.contains("wrong passphrase for sealed key file \(keyFile)"), "\(wrong.output)")
        #expect(!wrong.output.contains("not the passphrase"))

        try writePrivate(scratch.file("open"), passphrase + "\n")
        #expect(chmod(scratch.file("open"), 0o644) == 0)
        let open = try Self.runToExit(gateway, ["--passphrase-file", scratch.file("open")])
        #expect(open.status != nil && open.status != 0)
        #expect(open.output.contains("chmod 600 \(scratch.file("open"))"), "\(open.output)")

        // The right passphrase, from the passphrase_file setting provision wrote: the agent runs.
        try gateway.startAgent()
        try gateway.waitForStatus(timeout: 20, "the agent's ingest to run") { $0["ingest"]?["state"]?.string == "running" && $0["ingest"]?["current"]?.bool == true }
        gateway.stopAgent()
        #expect(gateway.agent?.terminationStatus == 0, "\(gateway.agentLogs().suffix(2000))")
        #expect(!gateway.agentLogs().contains(passphrase))
    }
}
