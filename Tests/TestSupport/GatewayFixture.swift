import Foundation
import JSON

/// The `vitalgate` binary under test: $VITALGATE_BIN (set by `make test`),
/// else the debug build next to this package.
public func vitalgateBinary() -> String {
    if let bin = ProcessInfo.processInfo.environment["VITALGATE_BIN"], !bin.isEmpty { return bin }
    return repositoryRoot() + "/.build/debug/vitalgate"
}

/// The repository root, found from this file's path.
public func repositoryRoot() -> String {
    if let root = ProcessInfo.processInfo.environment["VITALGATE_ROOT"], !root.isEmpty { return root }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}

/// The result of one `vitalgate` command.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `vitalgate` with `arguments` to completion.
public func runVitalgate(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: vitalgateBinary())
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes to the end before waiting, so a large bundle can't fill a pipe and stall the child.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// A provisioned gateway home in a temporary folder, and its agent process.
public final class GatewayFixture: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let home: String
    public private(set) var agent: ChildProcess?
    private var runs = 0

    /// Provisions a gateway with `settings` (config keys) and enrols `devices` (id, profile).
    /// - Parameter homePath: where the gateway's home folder goes (default: inside the fixture's temporary folder).
    /// - Parameter provisionArguments: more `provision` flags, e.g. `--passphrase-file F`.
    public init(gatewayID: String = "test-gw", settings: [String: String], devices: [(String, String)], homePath: String? = nil,
                provisionArguments: [String] = []) throws {
        directory = try TemporaryDirectory("vitalgate-gw")
        home = homePath ?? directory.file("home")
        var args = ["provision", "--home", home, "--gateway-id", gatewayID, "--devices-dir", repositoryRoot() + "/Devices"] + provisionArguments
        for (k, v) in settings.sorted(by: { $0.key < $1.key }) { args += ["--set", "\(k)=\(v)"] }
        try check(runVitalgate(args), "provision")
        for (id, profile) in devices {
            try check(runVitalgate(["device", "add", id, "--profile", profile, "--home", home]), "device add \(id)")
        }
    }

    /// A gateway home unpacked from `archive` (a `tar.gz` holding one folder
    /// `home`, as `Tests/fixtures/pre-salt/make.sh` writes it): a gateway an
    /// earlier release provisioned and ran, for migration tests.
    public init(unpacking archive: String) throws {
        directory = try TemporaryDirectory("vitalgate-gw")
        home = directory.file("home")
        let untar = try runTool("/bin/tar", ["-xzf", archive, "-C", directory.path])
        guard untar.status == 0, FileManager.default.fileExists(atPath: home) else {
            throw HarnessError("tar -xzf \(archive): no home folder: \(untar.output)")
        }
        // vitalgate.conf names files by absolute path (provision wrote the home it was
        // given): point them into the unpacked home.
        let conf = home + "/vitalgate.conf"
        let text = try String(contentsOfFile: conf, encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("mqtt_password_file = ") }),
              line.hasSuffix("/broker/agent.password") else {
            throw HarnessError("\(conf) has no mqtt_password_file inside its home")
        }
        let oldHome = String(line.dropFirst("mqtt_password_file = ".count).dropLast("/broker/agent.password".count))
        try text.replacingOccurrences(of: oldHome + "/", with: home + "/").write(toFile: conf, atomically: true, encoding: .utf8)
    }

    @discardableResult
    func check(_ r: CommandResult, _ what: String) throws -> CommandResult {
        guard r.status == 0 else { throw HarnessError("\(what) failed (\(r.status)): \(r.stderr)\(r.stdout)") }
        return r
    }

    /// Starts `vitalgate run`; its log goes to agent-N.log in the temp folder.
    /// `environment` is added to the test's (e.g. systemd's NOTIFY_SOCKET).
    public func startAgent(_ extra: [String] = [], environment: [String: String] = [:]) throws {
        runs += 1
        agent = try ChildProcess(name: "vitalgate", executable: vitalgateBinary(),
                                 arguments: ["run", "--home", home] + extra,
                                 logPath: directory.file("agent-\(runs).log"), environment: environment)
    }

    public func stopAgent() { agent?.stop(grace: 20) }
    public func killAgent() { agent?.kill9() }

    /// `vitalgate status --json`.
    public func status() throws -> JSONValue {
        try JSONParser.parse(try check(runVitalgate(["status", "--home", home, "--json"]), "status").stdout)
    }

    /// Starts the agent and waits until it has its broker session (and so
    /// its subscription): what is published before that has nobody to go to.
    public func startAgentAndWaitForBroker(_ extra: [String] = [], environment: [String: String] = [:], timeout: Double = 30) throws {
        try startAgent(extra, environment: environment)
        // `current`: what this agent sees, not what the last run left in the database.
        try waitForStatus(timeout: timeout, "the agent's broker session") { s in
            s["broker"]?["state"]?.string == "connected" && s["broker"]?["current"]?.bool == true
        }
    }

    /// Waits until `condition` holds for `status --json`; on time-out the
    /// error carries the last status and the end of the agent's log.
    public func waitForStatus(timeout: Double, _ what: String, _ condition: (JSONValue) throws -> Bool) throws {
        var last: JSONValue = .null
        do {
            try waitUntil(timeout: timeout, what) {
                last = try status()
                return try condition(last)
            }
        } catch {
            throw HarnessError("\(error)\nlast status: \(last.serialized())\nagent log (end):\n\(agentLogs().suffix(3000))")
        }
    }

    /// Everything the agent printed over all its runs.
    public func agentLogs() -> String {
        (1...max(runs, 1)).map { (try? String(contentsOfFile: directory.file("agent-\($0).log"), encoding: .utf8)) ?? "" }.joined()
    }

    public var databasePath: String { home + "/vitalgate.sqlite" }

    public func remove() {
        agent?.stop(grace: 10)
        directory.remove()
    }

    deinit { agent?.stop(grace: 10) }
}

/// Config settings for test gateways.
public enum GatewaySettings {
    /// A gateway on `mqttPort` whose ledger is a closed loopback port: ingest
    /// and checkpoints run, anchoring only retries (for tests about ingest).
    public static func withoutLedger(mqttPort: UInt16, _ extra: [String: String]) -> [String: String] {
        let closed = (try? freeLoopbackPort()).map(String.init) ?? "9"
        return ["mqtt_port": String(mqttPort), "ledger_url": "http://127.0.0.1:\(closed)",
                "ledger_user": "none", "ledger_password": "none", "anchor_interval": "3600"]
            .merging(extra) { _, new in new }
    }

    /// A gateway on `mqttPort` anchoring through `ledger`.
    public static func anchoring(to ledger: LedgerNode, mqttPort: UInt16, _ extra: [String: String]) -> [String: String] {
        ["mqtt_port": String(mqttPort), "ledger_url": ledger.url, "ledger_cookie": ledger.cookieFile]
            .merging(extra) { _, new in new }
    }
}
