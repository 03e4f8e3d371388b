import ArgumentParser
import ProofBundle
import Sodium
import VitalgateAgent

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the proof bundle of one reading (JSON), or a device's FHIR Observations (--fhir, NDJSON), on stdout.",
        discussion: """
        The bundle proves the reading against the newest confirmed anchor that covers it; see docs/proof-bundle.md. \
        A reading whose payload was pruned (docs/storage.md) is found by --leaf-index (named in the delivery's Provenance) \
        or --reading FILE (its leaf, or the clinic's FHIR Observation); its bundle carries the proof without the payload, \
        and `verify --reading FILE` checks it. --fhir writes the Observations delivery would send, for readings with \
        from <= ts < to; see docs/fhir.md.
        """)

    @OptionGroup var home: HomeOptions
    @Option(help: "The device id.") var device: String?
    @Option(help: "The reading's seq.") var seq: UInt64?
    @Option(help: "The device's boot counter, if it has restarted seq.") var boot: UInt32?
    @Option(name: .customLong("leaf-index"), help: ArgumentHelp("The reading's leaf index in the log (a pruned reading too).", valueName: "n"))
    var leafIndex: UInt64?
    @Option(help: ArgumentHelp("A reading file: the reading's leaf, or a FHIR Observation carrying it (a pruned reading too).", valueName: "file"))
    var reading: String?
    @Option(help: ArgumentHelp("The archive folder of the log's tiles (default: the archive_dir setting).", valueName: "dir"))
    var archive: String?
    @Flag(help: "Write FHIR R4 Observations as NDJSON instead of a proof bundle.") var fhir = false
    @Option(help: ArgumentHelp("With --fhir: first reading time included (ms since the epoch).", valueName: "ms")) var from: Int64?
    @Option(help: ArgumentHelp("With --fhir: reading time excluded from here on (ms since the epoch).", valueName: "ms")) var to: Int64?

    func validate() throws {
        if fhir {
            guard device != nil else { throw ValidationError("--fhir exports one device's Observations: give --device") }
            guard seq == nil, boot == nil, leafIndex == nil, reading == nil else {
                throw ValidationError("--fhir exports a time range: use --from/--to, not --seq/--boot/--leaf-index/--reading")
            }
        } else {
            let ways = [seq != nil, leafIndex != nil, reading != nil].filter { $0 }.count
            guard ways == 1 else { throw ValidationError("give one of --device with --seq, --leaf-index or --reading (a proof bundle), or --fhir (Observations)") }
            if seq != nil && device == nil { throw ValidationError("--seq goes with --device") }
            guard from == nil, to == nil else { throw ValidationError("--from and --to go with --fhir") }
        }
    }
    @OptionGroup var key: KeyOptions

    func run() throws {
        // Readings are sealed at rest: opening one needs the gateway's secret key.
        let gatewayHome = home.gatewayHome
        let secret = try GatewayIdentity.loadSecretKey(home: gatewayHome, passphraseFile: try key.resolved(gatewayHome))
        let db = try GatewayDatabase.open(gatewayHome, readOnly: true)
        let cipher = LeafCipher(gatewayKey: secret)
        if fhir, let device {
            let gatewayID = try db.meta("gateway_id") ?? ""
            let result = try FHIRExporter(db, cipher: cipher, patients: PatientCipher(gatewayKey: secret)).observations(device: device, from: from ?? .min, to: to ?? .max, gatewayID: gatewayID)
            for line in result.lines { Console.out(line) }
            if result.unassigned > 0 { Console.err("\(result.unassigned) readings had no patient when received and were not exported") }
            return
        }
        let folder = try archive ?? Setting.resolve("archive_dir", environment: Environment.current, file: try configFile(gatewayHome))
        let exporter = BundleExporter(db, cipher: cipher, archive: folder.map { TileArchive(directory: $0) })
        if let seq, let device {
            Console.out(try exporter.bundle(device: device, seq: seq, boot: boot).json.serialized(pretty: true))
        } else if let leafIndex {
            Console.out(try exporter.export(leafIndex: leafIndex).serialized(pretty: true))
        } else if let reading {
            let leaf = try ReadingFile.leaf(from: try Files.read(reading))
            Console.out(try exporter.export(readingLeaf: leaf).serialized(pretty: true))
        }
    }
}
