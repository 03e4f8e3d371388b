import ArgumentParser
import Codecs
import FileIO
import LocalProcesses
import SQLiteStore
import Threads
import VitalgateAgent

/// `make soak` (docs/storage.md, "The lifetime soak"): weeks of a ward
/// compressed into minutes. 100 devices publish at a steady rate for a fixed
/// time into a gateway whose retention is shortened to minutes, with
/// delivery to a clinic (scripts/soak_clinic.py), anchoring on regtest (a
/// block a second) and an archive folder on. Every `sampleEvery` seconds it
/// records the database's size, the agent's RSS, CPU and bytes written;
/// at the end it proves a sample of readings (pruned or not) with the reading
/// files the clinic kept, and checks that nothing was lost.
struct SoakOptions: ParsableArguments {
    @OptionGroup var checkout: Checkout
    @Option(help: "Where to write soak.csv and soak.png.") var out = "bench-results"
    @Option(help: "Minutes of load.") var minutes = 10.0
    @Option(help: "Readings per second, over all devices.") var rate = 1000.0
    @Option(help: "Devices (smartwatch profile, each its own patient).") var devices = 100
    @Option(help: "The gateway's retention in seconds (retain_days is set to this).") var retainSeconds = 120.0
    @Option(help: "The gateway's storage_budget.") var budget = "256M"
    @Option(help: "Seconds between samples.") var sampleEvery = 10.0
    @Option(help: "Readings the clinic kept to prove at the end.") var verifySamples = 40

    mutating func validate() throws { out = Checkout.absolute(out) }

    var vitalgate: String { checkout.vitalgate }
    var root: String { checkout.root }
}

final class SoakRun {
    let options: SoakOptions
    let directory: String
    var broker: BrokerProcess?
    var ledger: LedgerProcess?
    var miner: MinerThread?
    var clinic: ChildProcess?
    var gateway: BenchGateway?
    var publisher: LoadPublisher?
    var acks: AckListener?
    var samples: [SoakSample] = []

    init(options: SoakOptions) throws {
        self.options = options
        directory = try Files.makeTemporaryDirectory("vitalgate-soak")
    }

    /// Runs the soak; returns whether every check passed.
    func run() throws -> Bool {
        defer { tearDown() }
        print("vitalgate-bench soak: work folder \(directory)")
        print("  \(options.devices) devices, \(format(options.rate)) readings/s for \(format(options.minutes)) min, retention \(format(options.retainSeconds)) s, budget \(options.budget)")
        broker = try BrokerProcess(root: options.root, directory: directory + "/broker")
        ledger = try LedgerProcess(dataDir: directory + "/ledger")
        miner = MinerThread(ledger: ledger!, every: 1)
        miner!.start()
        let clinicPort = try freeLoopbackPort()
        let leaves = directory + "/clinic-leaves.txt"
        clinic = try ChildProcess(name: "soak-clinic", executable: "/usr/bin/env",
                                  arguments: ["python3", options.root + "/scripts/soak_clinic.py", "--port", String(clinicPort), "--leaves", leaves, "--every", "500"],
                                  logPath: directory + "/clinic.log")
        try waitUntil(timeout: .seconds(20), "the soak clinic on port \(clinicPort)") { loopbackPortAccepts(clinicPort) }
        let archive = directory + "/archive"
        try Files.makeDirectory(archive)
        let gateway = try BenchGateway(
            vitalgate: options.vitalgate, root: options.root, directory: directory + "/gw", gatewayID: "soak-gw",
            brokerPort: broker!.port, ledger: ledger!, devices: Load.deviceIDs(options.devices),
            settings: ["clinic_url": "http://127.0.0.1:\(clinicPort)/fhir", "delivery_batch": "200", "delivery_retry_cap": "5",
                       "retain_days": String(options.retainSeconds / 86_400), "storage_budget": options.budget, "archive_dir": archive,
                       "checkpoint_interval": "1", "anchor_interval": "5", "confirmations": "2"],
            patients: true)
        self.gateway = gateway
        try gateway.startAgent()
        publisher = try LoadPublisher(port: broker!.port)
        acks = try AckListener(port: broker!.port)

        let load = Load(devices: Load.deviceIDs(options.devices), perDevice: max(1, Int(options.rate * options.minutes * 60) / options.devices), seqBase: 1)
        let tracker = DeliveryTracker(load: load)
        acks!.track(tracker)
        let start = ContinuousClock.now
        let publishing = WorkerThread(name: "soak-publisher")
        let done = LockedBox(false)
        let failure = LockedBox<String?>(nil)
        let rate = options.rate
        publishing.start { [publisher] in
            do { try publisher!.publish(tracker, rate: rate, timeout: 300) } catch { failure.withLock { $0 = "\(error)" } }
            done.withLock { $0 = true }
        }
        print("\n" + SoakSample.header)
        var nextSample = 0.0
        while !done.withLock({ $0 }) {
            let t = (ContinuousClock.now - start) / .seconds(1)
            if t >= nextSample {
                sample(t, published: tracker.publishedCount, acked: tracker.count, phase: "load")
                nextSample += options.sampleEvery
            }
            ThreadSleep.for(.milliseconds(200))
        }
        publishing.join()
        if let message = failure.withLock({ $0 }) { throw BenchError("publishing stopped: \(message)") }
        let loadSeconds = (ContinuousClock.now - start) / .seconds(1)
        try? waitUntil(timeout: .seconds(120), interval: .milliseconds(100), "every reading acknowledged") { tracker.isComplete }
        // Let the last readings be checkpointed, anchored, delivered and a storage pass run.
        let db = try readOnly(gateway)
        try? waitUntil(timeout: .seconds(120), interval: .seconds(1), "a final anchor of the whole log") {
            let size = try db.scalar("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM readings")
            return try db.scalar("SELECT COALESCE(MAX(tree_size), 0) FROM anchors WHERE state = 'final'") >= size
        }
        ThreadSleep.for(.seconds(15))
        sample((ContinuousClock.now - start) / .seconds(1), published: tracker.publishedCount, acked: tracker.count, phase: "settled")
        let verification = try verifySampledReadings(gateway, leaves: leaves)
        gateway.stopAgent()
        return try report(load: load, acked: tracker.count, loadSeconds: loadSeconds, verification: verification)
    }

    func sample(_ t: Double, published: Int, acked: Int, phase: String) {
        guard let gateway, let stats = gateway.stats, let db = try? readOnly(gateway) else { return }
        // What `vitalgate status` reports of storage, read the same way.
        let facts = try? StorageFacts(db: db)
        let s = SoakSample(
            seconds: t, phase: phase, published: published, acked: acked,
            held: facts?.held ?? -1, pruned: facts?.pruned ?? 0,
            fileBytes: facts?.fileBytes ?? 0, usedBytes: facts?.usedBytes ?? 0,
            walBytes: Files.size(gateway.databasePath + "-wal") ?? 0,
            rssBytes: stats.rss, writtenBytes: stats.writeBytes ?? 0, cpuSeconds: stats.cpuSeconds,
            tilesArchived: facts?.archivedTiles[0] ?? 0, tilesKept: facts?.tilesKept ?? 0)
        samples.append(s)
        print(s.row)
    }

    struct Verification {
        var pruned = 0
        var held = 0
        var failed: [String] = []
    }

    /// Up to `verifySamples` of the leaves the clinic kept, spread over the
    /// run: each exported from the gateway by its reading file and verified
    /// with it against the ledger node.
    func verifySampledReadings(_ gateway: BenchGateway, leaves: String) throws -> Verification {
        let lines = ((try? Files.readText(leaves)) ?? "").split(separator: "\n").map(String.init)
        var result = Verification()
        guard !lines.isEmpty else {
            result.failed.append("the clinic kept no reading")
            return result
        }
        let step = max(1, lines.count / options.verifySamples)
        print("\nProving \(min(options.verifySamples, lines.count)) of the \(lines.count) readings the clinic kept (export --reading, verify --reading --ledger-url)")
        for (n, index) in stride(from: 0, to: lines.count, by: step).prefix(options.verifySamples).enumerated() {
            // The clinic's copy is base64 (the Observation's valueBase64Binary); the reading file is the leaf itself.
            guard let leaf = Base64.decode(lines[index]) else {
                result.failed.append("reading \(n): the clinic's copy is not base64")
                continue
            }
            let leafFile = directory + "/reading-\(n).json"
            try Files.write(leaf, to: leafFile, overwrite: true)
            let bundle = directory + "/bundle-\(n).json"
            do {
                try ChildProcess.run("/bin/sh", ["-c", "'\(options.vitalgate)' export --home '\(gateway.home)' --reading '\(leafFile)' > '\(bundle)'"],
                                     logPath: directory + "/export-\(n).log")
                try ChildProcess.run(options.vitalgate, ["verify", bundle, "--reading", leafFile, "--ledger-url", ledger!.url,
                                                         "--ledger-cookie", ledger!.cookieFile], logPath: directory + "/verify-\(n).log")
                if ((try? Files.readText(bundle)) ?? "").contains("\"payload\": \"pruned\"") { result.pruned += 1 } else { result.held += 1 }
            } catch {
                result.failed.append("reading \(n): \(error) \(((try? Files.readText(directory + "/export-\(n).log")) ?? "").suffix(300))")
            }
        }
        return result
    }

    func tearDown() {
        gateway?.stopAgent()
        acks?.stop()
        publisher?.stop()
        miner?.stop()
        clinic?.stop(grace: 2)
        ledger?.stop()
        broker?.stop()
    }
}
