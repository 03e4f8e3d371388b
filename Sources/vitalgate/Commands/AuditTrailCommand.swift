import FileIO
import Codecs
import ArgumentParser
import FHIR
import JSON
import ProofBundle
import VitalgateAgent

struct AuditTrailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail",
        abstract: "List the access trail: exports, deliveries, enrolments, assignments, revocations, key rotations, settings changes.",
        discussion: """
        Each access event is a leaf of the log, covered by checkpoints and anchors like a reading \
        (docs/audit.md). Events are sealed at rest, so this needs the gateway key. PROOF names the anchor \
        that covers the leaf; --bundles DIR writes each anchored event's proof bundle (vitalgate verify \
        checks it); --json prints one JSON object per line, with its bundle. Events recorded while the \
        agent is stopped are listed as pending: the agent appends them when it runs.
        """)

    @OptionGroup var home: HomeOptions
    @Option(help: ArgumentHelp("Only events at or after this time (ms since the epoch).", valueName: "ms")) var since: Int64?
    @Option(help: ArgumentHelp("Only events about this device.", valueName: "id")) var device: String?
    @Option(help: ArgumentHelp("Write each anchored event's proof bundle to DIR/leaf-<index>.json.", valueName: "dir")) var bundles: String?
    @Flag(help: "One JSON object per line, each with its proof bundle (null while no final anchor covers it).") var json = false
    @OptionGroup var key: KeyOptions

    func run() throws {
        let gatewayHome = home.gatewayHome
        let secret = try GatewayIdentity.loadSecretKey(home: gatewayHome, passphraseFile: try key.resolved(gatewayHome))
        // Read-write only so that an older schema is brought up to date; nothing is written.
        let db = try GatewayDatabase.open(gatewayHome)
        let cipher = LeafCipher(gatewayKey: secret)
        // Old events' hashes may be in the archive only (docs/storage.md).
        let folder = Setting.resolve("archive_dir", environment: Environment.current, file: (try? configFile(gatewayHome)) ?? ConfigFile())
        let exporter = BundleExporter(db, cipher: cipher, archive: folder.map { TileArchive(directory: $0) })
        if let bundles { try Files.makeDirectory(bundles, mode: 0o750) }

        struct Row {
            let leaf: UInt64
            let number: String
            let type: String
            let ts: Int64
            let details: [String: AccessEvent.Value]
            let event: JSONValue
            let bundle: ProofBundle?
        }
        var rows: [Row] = []
        for stored in try AccessTrail.events(db, since: since, device: device) {
            let (event, _, _) = try stored.open(cipher)
            rows.append(Row(leaf: stored.leafIndex, number: String(event.number), type: event.type, ts: event.ts, details: event.details,
                            event: event.json, bundle: try? exporter.bundle(leafIndex: stored.leafIndex)))
        }
        if device == nil {
            // Key rotations are leaves of their own kind (docs/encoding.md); their statements are public.
            for link in try KeyRotationTable(db).links() {
                guard let rotation = try? KeyRotation(canonicalEncoding: link.statement), since.map({ rotation.ts >= $0 }) ?? true else { continue }
                rows.append(Row(leaf: link.leafIndex, number: "r\(rotation.seq)", type: KeyRotation.type, ts: rotation.ts,
                                details: ["old_key": .string(Hex.encode(rotation.oldKey)), "new_key": .string(Hex.encode(rotation.newKey))],
                                event: (try? JSONParser.parse(link.statement)) ?? .null, bundle: nil))
            }
        }
        rows.sort { $0.leaf < $1.leaf }
        let anchors = AnchorTable(db)
        if !json {
            Console.out(pad("LEAF", 8) + pad("#", 6) + pad("TIME (UTC)", 26) + pad("TYPE", 18) + pad("DETAILS", 60) + "PROOF")
        }
        for row in rows {
            if let bundle = row.bundle, let bundles {
                try Files.write(Array(bundle.json.serialized(pretty: true).utf8), to: "\(bundles)/leaf-\(row.leaf).json", mode: 0o640, overwrite: true)
            }
            if json {
                Console.out(JSONValue.object(JSONObject([
                    (key: "leaf_index", value: .int(row.leaf)), (key: "type", value: .string(row.type)), (key: "ts", value: .int(row.ts)),
                    (key: "event", value: row.event), (key: "bundle", value: row.bundle?.json ?? .null),
                ])).serialized())
                continue
            }
            let proof: String
            if let b = row.bundle {
                proof = "anchored: tree \(b.treeSize), block \(b.anchor.blockHeight), txid \(b.anchor.txid.prefix(16))…"
            } else if row.type == KeyRotation.type {
                proof = "in every bundle's key_chain"
            } else if let covering = try anchors.newestFinal(covering: row.leaf) {
                proof = "anchored: tree \(covering.treeSize)"
            } else {
                proof = "awaiting a final anchor"
            }
            let details = row.details.keys.sorted().map { "\($0)=\(row.details[$0]!)" }.joined(separator: " ")
            Console.out(pad(String(row.leaf), 8) + pad(row.number, 6) + pad(FHIRTime.utcMillis(row.ts), 26) + pad(row.type, 18)
                + pad(details, 60) + proof)
        }
        // Recorded, not yet in the log: opening them needs the patient key.
        let pending = try AccessTrail.pending(db, opener: PatientCipher(gatewayKey: secret))
            .filter { draft in (since.map { draft.ts >= $0 } ?? true) && (device.map { draft.details["device"]?.string == $0 } ?? true) }
        for draft in pending {
            if json {
                var members = draft.details.mapValues { v -> JSONValue in v.integer.map { .int($0) } ?? .string(v.description) }
                members["type"] = .string(draft.type)
                members["ts"] = .int(draft.ts)
                Console.out(JSONValue.object(JSONObject([
                    (key: "leaf_index", value: .null), (key: "type", value: .string(draft.type)), (key: "ts", value: .int(draft.ts)),
                    (key: "event", value: .object(JSONObject(members.keys.sorted().map { (key: $0, value: members[$0]!) }))),
                    (key: "bundle", value: .null),
                ])).serialized())
            } else {
                let details = draft.details.keys.sorted().map { "\($0)=\(draft.details[$0]!)" }.joined(separator: " ")
                Console.out(pad("-", 8) + pad("-", 6) + pad(FHIRTime.utcMillis(draft.ts), 26) + pad(draft.type, 18) + pad(details, 60)
                    + "pending: not yet in the log (the agent appends it)")
            }
        }
    }
}
