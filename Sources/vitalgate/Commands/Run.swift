import ArgumentParser
import Logging
import VitalgateAgent

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the agent: ingest readings, sign checkpoints, anchor them.",
        discussion: "Settings come from <home>/vitalgate.conf; VITALGATE_<KEY> environment variables and these flags override it. SIGTERM or Ctrl-C stops it cleanly.")

    @OptionGroup var home: HomeOptions
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var key: KeyOptions

    @Option(name: .customLong("mqtt-host"), help: "Broker host.") var mqttHost: String?
    @Option(name: .customLong("mqtt-port"), help: "Broker port.") var mqttPort: UInt16?
    @Option(name: .customLong("checkpoint-interval"), help: ArgumentHelp("Seconds between checkpoints.", valueName: "seconds")) var checkpointInterval: Double?
    @Option(name: .customLong("checkpoint-every"), help: ArgumentHelp("Also checkpoint after this many readings.", valueName: "n")) var checkpointEvery: Int?
    @Option(name: .customLong("anchor-interval"), help: ArgumentHelp("Seconds between anchors.", valueName: "seconds")) var anchorInterval: Double?
    @Option(help: "Confirmations before an anchor counts as confirmed.") var confirmations: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.") var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        let gatewayHome = home.gatewayHome
        var overrides = ledger.overrides
        overrides["mqtt_host"] = mqttHost
        overrides["mqtt_port"] = mqttPort.map(String.init)
        overrides["checkpoint_interval"] = checkpointInterval.map { String($0) }
        overrides["checkpoint_every"] = checkpointEvery.map(String.init)
        overrides["anchor_interval"] = anchorInterval.map { String($0) }
        overrides["confirmations"] = confirmations.map(String.init)
        overrides["passphrase_file"] = key.passphraseFile
        guard Files.exists(gatewayHome.configFile) else {
            throw CLIError("\(gatewayHome.configFile) not found: run `vitalgate provision --home \(gatewayHome.path) --gateway-id ID` first")
        }
        let environment = Environment.current
        let config = try AgentConfig(home: gatewayHome, file: try configFile(gatewayHome), overrides: overrides, environment: environment)
        let level = Logger.Level(rawValue: logLevel)!
        // Under systemd, stderr is the journal: priorities, no timestamps of our own.
        let journal = AgentLogHandler.stderrIsJournal(environment["JOURNAL_STREAM"])
        LoggingSystem.bootstrap { _ in AgentLogHandler(level: level, journal: journal) }
        // Held until exit: no second agent, and no rotate-key, while this one runs.
        let lock = try AgentLock(home: gatewayHome, purpose: "vitalgate run")
        try await Agent.run(config: config, logger: Logger(label: "vitalgate"), environment: environment)
        withExtendedLifetime(lock) {}
    }
}
