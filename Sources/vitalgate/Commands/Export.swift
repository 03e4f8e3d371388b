import FileIO
import ArgumentParser
import JSON
import OpenTimestamps
import ProofBundle
import Sodium
import VitalgateAgent
import Vitals

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a proof bundle (JSON), a device's FHIR Observations (--fhir, NDJSON), a consistency proof (--consistency) or an OpenTimestamps proof (--ots).",
        discussion: """
        A bundle proves a reading (--device/--seq) or any leaf (--leaf N: a reading or an access event) against \
        the newest confirmed anchor that covers it; see docs/proof-bundle.md. A reading whose payload was pruned \
        (docs/storage.md) is found by --leaf N (named in the delivery's Provenance) or --reading FILE (its leaf, or \
        the clinic's FHIR Observation); its bundle carries the proof without the payload, and `verify --reading FILE` \
        checks it. --ots FILE writes the leaf's preimage to \
        FILE and its OpenTimestamps proof to FILE.ots, for the stock `ots verify`. --fhir writes the Observations \
        delivery would send, for readings with from <= ts < to; see docs/fhir.md. --consistency OLD NEW proves that \
        the log of OLD leaves is a prefix of the log of NEW leaves (RFC 9162), both sizes of signed checkpoints. \
        Every export of a bundle or of Observations is recorded in the access trail first (docs/audit.md); --for \
        says for whom.
        """)

    @OptionGroup var home: HomeOptions
    @Option(help: "The device id.") var device: String?
    @Option(help: "The reading's seq.") var seq: UInt64?
    @Option(help: "The device's boot counter, if it has restarted seq.") var boot: UInt32?
    @Option(help: ArgumentHelp("Any leaf of the log: a reading (held or pruned) or an access event.", valueName: "index")) var leaf: UInt64?
    @Option(help: ArgumentHelp("A reading file: the reading's leaf, or a FHIR Observation carrying it (a pruned reading too).", valueName: "file"))
    var reading: String?
    @Option(help: ArgumentHelp("The archive folder of the log's tiles (default: the archive_dir setting).", valueName: "dir"))
    var archive: String?
    @Flag(help: "Write FHIR R4 Observations as NDJSON instead of a proof bundle.") var fhir = false
    @Option(help: ArgumentHelp("With --fhir: first reading time included (ms since the epoch).", valueName: "ms")) var from: Int64?
    @Option(help: ArgumentHelp("With --fhir: reading time excluded from here on (ms since the epoch).", valueName: "ms")) var to: Int64?
    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Two checkpoint sizes, older first: their RFC 9162 consistency proof (JSON).", valueName: "old new"))
    var consistency: [UInt64] = []
    @Option(help: ArgumentHelp("Write the leaf's preimage to this file and its OpenTimestamps proof to <file>.ots.", valueName: "file"))
    var ots: String?
    @Option(name: .customLong("for"), help: ArgumentHelp("Whom the export is for, recorded in the access trail.", valueName: "text"))
    var recipient: String?

    func validate() throws {
        if !consistency.isEmpty {
            guard consistency.count == 2 else { throw ValidationError("--consistency takes two checkpoint sizes: OLD NEW") }
            guard device == nil, seq == nil, leaf == nil, reading == nil, !fhir, ots == nil else {
                throw ValidationError("--consistency exports only the proof between two checkpoints")
            }
        } else if fhir {
            guard device != nil else { throw ValidationError("--fhir needs --device") }
            guard seq == nil, boot == nil, leaf == nil, reading == nil, ots == nil else {
                throw ValidationError("--fhir exports a time range: use --from/--to, not --seq/--boot/--leaf/--reading/--ots")
            }
        } else {
            let ways = [device != nil && seq != nil, leaf != nil, reading != nil].filter { $0 }.count
            guard ways == 1, (device == nil) == (seq == nil) else {
                throw ValidationError("give --device and --seq (a reading), --leaf (any leaf), --reading FILE (a reading, pruned too), --fhir (Observations) or --consistency")
            }
            guard from == nil, to == nil else { throw ValidationError("--from and --to go with --fhir") }
        }
        if let recipient, recipient.isEmpty || recipient.count > 200 { throw ValidationError("--for takes 1 to 200 characters") }
    }
    @OptionGroup var key: KeyOptions

    func run() throws {
        let gatewayHome = home.gatewayHome
        // Hashes handed to the archive are read from it (docs/storage.md).
        let folder = archive ?? Setting.resolve("archive_dir", environment: Environment.current, file: (try? configFile(gatewayHome)) ?? ConfigFile())
        let tileArchive = folder.map { TileArchive(directory: $0) }
        if consistency.count == 2 {
            // Checkpoints and hashes only: nothing about patients, so no key and no record.
            let db = try GatewayDatabase.open(gatewayHome, readOnly: true)
            let proof = try BundleExporter.consistency(db, old: consistency[0], new: consistency[1], archive: tileArchive)
            Console.out(proof.json.serialized(pretty: true))
            return
        }
        // Readings and events are sealed at rest: opening one needs the gateway's secret key.
        let secret = try GatewayIdentity.loadSecretKey(home: gatewayHome, passphraseFile: try key.resolved(gatewayHome))
        // Read-write: the export is recorded in the access trail before anything is written out.
        let db = try GatewayDatabase.open(gatewayHome)
        let cipher = LeafCipher(gatewayKey: secret)
        let now = WallClock.nowMillis()
        var details: [String: AccessEvent.Value] = ["actor": .string(cliActor())]
        if let recipient { details["for"] = .string(recipient) }
        if fhir, let device {
            let gatewayID = try db.meta("gateway_id") ?? ""
            let result = try DeliveryQueue(db, cipher: cipher, patients: PatientCipher(gatewayKey: secret))
                .exportObservations(device: device, from: from ?? .min, to: to ?? .max, gatewayID: gatewayID)
            details["device"] = .string(device)
            details["observations"] = .integer(Int64(result.lines.count))
            if let from { details["from"] = .integer(from) }
            if let to { details["to"] = .integer(to) }
            try AccessTrail.record(AccessEventDraft(.exportFHIR, ts: now, details: details), in: db)
            for line in result.lines { Console.out(line) }
            if result.unassigned > 0 { Console.err("\(result.unassigned) readings had no patient when received and were not exported") }
            return
        }
        let exporter = BundleExporter(db, cipher: cipher, archive: tileArchive)
        let readingLeaf = try reading.map { try ReadingFile.leaf(from: try Files.read($0)) }
        let exported: BundleExporter.Exported
        if let leaf {
            exported = try exporter.export(leafIndex: leaf)
        } else if let readingLeaf {
            exported = try exporter.export(readingLeaf: readingLeaf)
        } else {
            exported = .full(try exporter.bundle(device: device!, seq: seq!, boot: boot))
        }
        details["leaf"] = .integer(Int64(exported.leafIndex))
        details["format"] = .string(ots == nil ? "proof-bundle" : "opentimestamps")
        // The bundle of a pruned reading, whole again when the reading file gave its leaf
        // (an OpenTimestamps proof needs the leaf); nil: the proof without the payload.
        var bundle: ProofBundle?
        switch exported {
        case .full(let full):
            bundle = full
        case .pruned(let json, _):
            details["payload"] = .string("pruned")
            if let readingLeaf, let r = try? ReadingLeaf(bytes: readingLeaf).reading {
                // The holder named the reading: the trail says which.
                details["device"] = .string(r.device)
                details["reading_boot"] = .integer(Int64(r.boot))
                details["reading_seq"] = .integer(Int64(r.seq))
            }
            if ots != nil {
                guard let readingLeaf else {
                    throw ValidationError("the payload of the reading at leaf \(exported.leafIndex) was pruned: --ots needs the reading, give --reading FILE")
                }
                bundle = try ProofBundle(json: try PrunedBundle.completing(json, leaf: readingLeaf))
            }
        }
        switch bundle?.entry {
        case .reading(let r)? where details["device"] == nil:
            details["device"] = .string(r.device)
            details["reading_boot"] = .integer(Int64(r.boot))
            details["reading_seq"] = .integer(Int64(r.seq))
        case .event(let e)?:
            details["event_number"] = .integer(Int64(e.number))
            details["event_type"] = .string(e.type)
        default:
            break
        }
        // Converted before it is recorded, so a failure records nothing.
        let timestamp = try ots.map { _ in try BundleTimestamp(bundle: bundle!) }
        try AccessTrail.record(AccessEventDraft(.exportBundle, ts: now, details: details), in: db)
        if let ots, let timestamp, let bundle {
            try Files.write(timestamp.file, to: ots, mode: 0o600, overwrite: true)
            try Files.write(timestamp.timestamp.bytes, to: ots + ".ots", mode: 0o644, overwrite: true)
            Console.out("wrote \(ots) (the leaf's preimage, \(timestamp.file.count) bytes) and \(ots).ots (block \(bundle.anchor.blockHeight))")
            Console.out("check it with the OpenTimestamps client: ots --bitcoin-node http://USER:PASS@HOST:PORT verify -f \(ots) \(ots).ots")
            return
        }
        Console.out(exported.json.serialized(pretty: true))
    }
}
