import FileIO
import LocalProcesses
import SQLiteStore
import VitalgateAgent

/// A gateway home in `directory` (created if missing), provisioned with the
/// real `vitalgate` binary (provision, device add), and its agent process.
final class BenchGateway {
    let vitalgate: String
    let home: String
    let directory: String
    let gatewayID: String
    private(set) var agent: ChildProcess?
    private(set) var limits: AgentLimits?
    private var runs = 0

    var databasePath: String { home + "/vitalgate.sqlite" }
    /// The agent's MQTT client id (config default `vitalgate-<gateway_id>`).
    var clientID: String { "vitalgate-" + gatewayID }

    init(vitalgate: String, root: String, directory: String, gatewayID: String, brokerPort: UInt16,
         ledger: LedgerProcess, devices: [String], settings: [String: String] = [:], patients: Bool = false) throws {
        self.vitalgate = vitalgate
        self.directory = directory
        self.gatewayID = gatewayID
        home = directory + "/home"
        try Files.makeDirectory(directory)
        var all = ["mqtt_port": String(brokerPort), "ledger_url": ledger.url, "ledger_cookie": ledger.cookieFile]
        all.merge(settings) { _, new in new }
        var args = ["provision", "--home", home, "--gateway-id", gatewayID, "--devices-dir", root + "/Devices"]
        for (k, v) in all.sorted(by: { $0.key < $1.key }) { args += ["--set", "\(k)=\(v)"] }
        try ChildProcess.run(vitalgate, args, logPath: directory + "/provision.log")
        // Each device gets broker credentials; the bench's broker takes anonymous
        // clients (Provisioning/mosquitto.conf), so the passwords go to 0600 files
        // in the work folder, never to a log, and are removed with it.
        try Files.makeDirectory(directory + "/device-passwords")
        for (n, id) in devices.enumerated() {
            // With `patients`, each device is worn by its own patient, so its readings are delivered.
            try ChildProcess.run(vitalgate, ["device", "add", id, "--profile", "smartwatch", "--home", home,
                                             "--password-out", directory + "/device-passwords/" + id]
                                            + (patients ? ["--patient", "Patient/bench-\(n)"] : []),
                                 logPath: directory + "/provision.log")
        }
    }

    /// Starts `vitalgate run` (under `limits` if given) and waits until it
    /// reports its broker session as connected.
    func startAgent(limits: AgentLimits? = nil, extraArguments: [String] = []) throws {
        runs += 1
        let log = directory + "/agent-\(runs).log"
        let command = [vitalgate, "run", "--home", home] + extraArguments
        let child: ChildProcess
        if let limits {
            child = try limits.spawn(command, logPath: log)
        } else {
            child = try ChildProcess(name: "vitalgate", executable: vitalgate, arguments: Array(command.dropFirst()), logPath: log)
        }
        agent = child
        self.limits = limits
        // This agent's own live status (docs/operations.md), not what an earlier run left behind.
        try waitUntil(timeout: .seconds(30), interval: .milliseconds(50), "the agent's broker session") {
            guard child.isRunning else { throw BenchError("the agent exited at start-up:\n\(child.logTail())") }
            guard let live = LiveStatus.read(GatewayHome(path: home)), live.pid == child.pid else { return false }
            return live.parts[.broker]?.state == "connected"
        }
    }

    /// SIGTERM (the agent commits what it holds and signs a last checkpoint).
    func stopAgent() {
        agent?.stop(grace: 30)
        limits?.cleanUp()
    }

    var stats: ProcessStats? { agent.flatMap { ProcessStats(pid: $0.pid) } }

    /// Readings stored so far (read-only connection).
    func storedCount() throws -> Int64 {
        try readOnly(self).scalar("SELECT COUNT(*) FROM readings")
    }
}

/// A read-only connection to the agent's database (WAL readers never block its writer).
func readOnly(_ gateway: BenchGateway) throws -> Database {
    var options = Database.Options()
    options.readOnly = true
    return try Database(path: gateway.databasePath, options: options)
}
