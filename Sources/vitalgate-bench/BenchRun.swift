import FileIO

/// One `make bench` run: the shared broker, ledger node, publisher and ack
/// listener, and the phases in order. Every process it starts is stopped by
/// PID at the end, also when a phase fails.
final class BenchRun {
    let options: BenchOptions
    let report = Report()
    let directory: String
    var broker: BrokerProcess?
    var ledger: LedgerProcess?
    var publisher: LoadPublisher?
    var acks: AckListener?
    var gateways: [BenchGateway] = []
    var subscribers: [PlainSubscriberProcess] = []
    var pollers: [CommitPoller] = []
    /// Seq ranges never overlap between phases: each load takes the next block.
    private var nextSeqBase: UInt64 = 1_000_000

    init(options: BenchOptions) throws {
        self.options = options
        directory = try Files.makeTemporaryDirectory("vitalgate-bench")
    }

    func newLoad(devices: Int? = nil, perDevice: Int) -> Load {
        defer { nextSeqBase += 10_000_000 }
        return Load(devices: Load.deviceIDs(devices ?? options.devices), perDevice: perDevice, seqBase: nextSeqBase)
    }

    func section(_ title: String) { print("\n" + title) }

    /// A gateway of its own in `directory/<folder>`, its agent started (under
    /// `limits` if given) and the commit source chosen; stopped by `tearDown`.
    func startGateway(folder: String, gatewayID: String, limits: AgentLimits? = nil) throws -> (BenchGateway, CommitPoller?) {
        let gateway = try BenchGateway(vitalgate: options.vitalgate, root: options.root, directory: directory + "/" + folder,
                                       gatewayID: gatewayID, brokerPort: broker!.port, ledger: ledger!,
                                       devices: Load.deviceIDs(options.devices))
        gateways.append(gateway)
        try gateway.startAgent(limits: limits)
        return (gateway, try chooseCommitSource(gateway))
    }

    func run() throws {
        defer { tearDown() }
        print("vitalgate-bench: work folder \(directory)")
        MachineInfo.collect(into: report, options: options)
        if !options.steadyOnly {
            section("Ingest pipeline in process (no MQTT): validate, then ReadingLog.commit")
            try runIngestPipeline()
            if options.ingestOnly { return }
            section("Merkle log (\(options.merkleLeaves) leaves)")
            try runMerkle()
        }
        section("Disk: durable SQLite commits")
        try runCommitBaseline()
        section("Setup: mosquitto, litecoind -regtest, publisher")
        broker = try BrokerProcess(root: options.root, directory: directory + "/broker")
        ledger = try LedgerProcess(dataDir: directory + "/ledger")
        publisher = try LoadPublisher(port: broker!.port)
        acks = try AckListener(port: broker!.port)
        print("  broker 127.0.0.1:\(broker!.port), ledger \(ledger!.url)")
        if options.steadyOnly {
            section("vitalgate run at steady rates (release build)")
            try runSteadyOnly()
            evaluateGoals()
            return
        }
        section("Baseline: a plain libmosquitto subscriber (QoS 1)")
        try runBaseline()
        section("vitalgate run (release build)")
        try runAgent()
        section("Pi-class profile: vitalgate pinned to CPU 0, memory capped at 64 MiB")
        try runPiProfile()
        section("Anchoring")
        try runAnchoring()
        section("Footprint")
        try runFootprint()
        evaluateGoals()
    }

    func tearDown() {
        pollers.forEach { $0.stop() }
        for g in gateways { g.stopAgent() }
        for s in subscribers { s.process.stop(grace: 2) }
        acks?.stop()
        publisher?.stop()
        ledger?.stop()
        broker?.stop()
    }
}
