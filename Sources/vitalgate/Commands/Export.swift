import ArgumentParser
import Sodium
import VitalgateAgent

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the proof bundle of one reading (JSON), or a device's FHIR Observations (--fhir, NDJSON), on stdout.",
        discussion: "The bundle proves the reading against the newest confirmed anchor that covers it; see docs/proof-bundle.md. --fhir writes the Observations delivery would send, for readings with from <= ts < to; see docs/fhir.md.")

    @OptionGroup var home: HomeOptions
    @Option(help: "The device id.") var device: String
    @Option(help: "The reading's seq.") var seq: UInt64?
    @Option(help: "The device's boot counter, if it has restarted seq.") var boot: UInt32?
    @Flag(help: "Write FHIR R4 Observations as NDJSON instead of a proof bundle.") var fhir = false
    @Option(help: ArgumentHelp("With --fhir: first reading time included (ms since the epoch).", valueName: "ms")) var from: Int64?
    @Option(help: ArgumentHelp("With --fhir: reading time excluded from here on (ms since the epoch).", valueName: "ms")) var to: Int64?

    func validate() throws {
        if fhir {
            guard seq == nil, boot == nil else { throw ValidationError("--fhir exports a time range: use --from/--to, not --seq/--boot") }
        } else {
            guard seq != nil else { throw ValidationError("give --seq (a proof bundle) or --fhir (Observations)") }
            guard from == nil, to == nil else { throw ValidationError("--from and --to go with --fhir") }
        }
    }
    @OptionGroup var key: KeyOptions

    func run() throws {
        // Readings are sealed at rest: opening one needs the gateway's secret key.
        let secret = try GatewayIdentity.loadSecretKey(home: home.gatewayHome, passphraseFile: try key.resolved(home.gatewayHome))
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        let cipher = LeafCipher(gatewayKey: secret)
        guard let seq else {
            let gatewayID = try db.meta("gateway_id") ?? ""
            let result = try FHIRExporter(db, cipher: cipher, patients: PatientCipher(gatewayKey: secret)).observations(device: device, from: from ?? .min, to: to ?? .max, gatewayID: gatewayID)
            for line in result.lines { Console.out(line) }
            if result.unassigned > 0 { Console.err("\(result.unassigned) readings had no patient when received and were not exported") }
            return
        }
        let bundle = try BundleExporter(db, cipher: cipher).bundle(device: device, seq: seq, boot: boot)
        Console.out(bundle.json.serialized(pretty: true))
    }
}
