import Codecs
import Foundation
import JSON
import Merkle
import SQLiteStore
import Testing
import TestSupport

/// Issue 14's archive (docs/storage.md, "The archive"): full tiles of the
/// log's hashes go to an archive folder and are dropped locally once read
/// back; a pruned reading's proof is then made from the archive, and an
/// archive that is altered or missing makes the export fail with its reason,
/// never a wrong bundle or verdict.
@Suite(.serialized)
struct ArchiveTests {
    @Test func prunedReadingsAreProvedFromTheArchiveAndAnAlteredOrMissingArchiveFails() throws {
        let ledger = try LedgerNode()
        defer { ledger.stop() }
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }
        let share = try TemporaryDirectory("vitalgate-archive")
        defer { share.remove() }
        let folder = share.file("gw")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let devices = [(id: "ox-1", profile: "pulse-oximeter", patient: "Patient/p1"), (id: "th-1", profile: "thermometer", patient: "Patient/p2")]
        let rig = try DeliveryRig(devices: devices, ledger: ledger, batch: 100,
                                  settings: ["retain_days": "0", "archive_dir": folder, "confirmations": "1", "anchor_interval": "1", "checkpoint_interval": "1"],
                                  agentArguments: ["--log-level", "debug"])
        defer { rig.stop() }
        try rig.publish(devices.map { (id: $0.id, profile: $0.profile) }, rounds: 300)  // 600 leaves: two full tiles
        do {
            try waitUntil(timeout: 180, "two tiles archived and their readings pruned") {
                let s = try rig.gateway.status()["storage"]
                // The first 512 leaves are readings and access events (enrolments, settings,
                // deliveries): every reading among them goes, no event does.
                let readingsBelow = try rig.database().prepare("SELECT COUNT(*) FROM readings WHERE leaf_index < 512").rows { $0.int64(0) }.first
                return (s?["archived_tiles"]?.array?.first?.int64 ?? 0) >= 2 && (s?["pruned"]?.int64 ?? 0) > 0 && readingsBelow == 0
            }
        } catch {
            throw HarnessError("\(error)\nstatus: \((try? rig.gateway.status().serialized()) ?? "")\nlog:\n\(rig.gateway.agentLogs().suffix(3000))")
        }

        // The archive holds the tiles; the database holds neither the readings nor their leaf hashes.
        let tile0 = folder + "/tile/0/000"
        let original = try Data(contentsOf: URL(fileURLWithPath: tile0))
        #expect(original.count == 8192)
        #expect((try? Data(contentsOf: URL(fileURLWithPath: folder + "/tile/0/001")))?.count == 8192)
        #expect(try String(contentsOfFile: folder + "/vitalgate-log", encoding: .utf8) == "origin vitalgate/test-gw\n")
        let db = try rig.database()
        #expect(try db.prepare("SELECT COUNT(*) FROM readings WHERE leaf_index < 512").rows { $0.int64(0) }.first == 0)
        #expect(try db.prepare("SELECT COUNT(*) FROM tiles").rows { $0.int64(0) }.first == 0, "archived tiles are not kept here")
        // Access events share the log: the pruned readings and the events below 512 fill it, and the
        // events keep their rows and leaf hashes (docs/storage.md, never pruned).
        let pruned = try #require(try rig.gateway.status()["storage"]?["pruned"]?.int64)
        let eventsBelow = try db.prepare("SELECT leaf_index FROM audit_events WHERE leaf_index < 512").rows { $0.int64(0) }
        #expect(!eventsBelow.isEmpty && pruned + Int64(eventsBelow.count) == 512, "pruned \(pruned), events \(eventsBelow.count)")
        #expect(try db.prepare("SELECT COUNT(*) FROM merkle_nodes WHERE level = 0 AND idx < 512").rows { $0.int64(0) }.first == Int64(eventsBelow.count))

        // Leaf 5's Observation at the clinic, found by the hash the archive holds for it.
        // The first reading of tile 0 (some of its leaves are access events).
        let observations = try rig.observations()
        func leafData(_ o: JSONValue) -> [UInt8]? {
            o["extension"]?.array?.first { $0["url"]?.string == "urn:vitalgate:leaf-data" }?["valueBase64Binary"]?.string.flatMap(Base64.decode)
        }
        let observed = Set(observations.compactMap { leafData($0).map { RFC9162.hashLeaf($0).hex } })
        let index = try #require((0..<256).first { observed.contains(Hex.encode(original[($0 * 32)..<(($0 + 1) * 32)])) })
        let hash5 = Hex.encode(original[(index * 32)..<((index + 1) * 32)])
        let observation = try #require(observations.first { leafData($0).map { RFC9162.hashLeaf($0).hex } == hash5 })
        let other = try #require(observations.first { leafData($0).map { RFC9162.hashLeaf($0).hex } != hash5 })
        let reading = rig.gateway.directory.file("reading-5.json"), otherReading = rig.gateway.directory.file("reading-other.json")
        try observation.serialized().write(toFile: reading, atomically: true, encoding: .utf8)
        try other.serialized().write(toFile: otherReading, atomically: true, encoding: .utf8)
        let ledgerArgs = ["--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile]

        // From the archive: the proof without the payload, verified with the reading file.
        let export = try runVitalgate(["export", "--home", rig.gateway.home, "--reading", reading])
        #expect(export.status == 0, "\(export.stderr)")
        let bundle = rig.gateway.directory.file("bundle-5.json")
        try export.stdout.write(toFile: bundle, atomically: true, encoding: .utf8)
        let verified = try runVitalgate(["verify", bundle, "--reading", reading] + ledgerArgs)
        #expect(verified.status == 0 && verified.stdout.contains("VERIFIED") && !verified.stdout.contains("FAIL"), "\(verified.stdout)")
        // By leaf index too (the Provenance names it), the same bundle.
        let byIndex = try runVitalgate(["export", "--home", rig.gateway.home, "--leaf", String(index)])
        #expect(byIndex.status == 0 && byIndex.stdout == export.stdout)
        // An access event in the archived tile: its whole bundle, proved from the archive.
        let event = try runVitalgate(["export", "--home", rig.gateway.home, "--leaf", String(eventsBelow[0])])
        #expect(event.status == 0 && (try? JSONParser.parse(event.stdout))?["event"] != nil, "\(event.stderr)")
        let eventBundle = rig.gateway.directory.file("bundle-event.json")
        try event.stdout.write(toFile: eventBundle, atomically: true, encoding: .utf8)
        let eventVerified = try runVitalgate(["verify", eventBundle] + ledgerArgs)
        #expect(eventVerified.status == 0 && eventVerified.stdout.contains("VERIFIED"), "\(eventVerified.stdout)")
        // By device and seq the gateway says it no longer holds it, and how to get the proof.
        let leaf5 = try JSONParser.parse(try #require(leafData(observation)))
        let byDevice = try runVitalgate(["export", "--home", rig.gateway.home, "--device", leaf5["device"]?.string ?? "", "--seq", String(leaf5["seq"]?.int64 ?? -1)])
        #expect(byDevice.status != 0 && byDevice.stderr.contains("pruned") && byDevice.stderr.contains("--reading"), "\(byDevice.stderr)")
        // Another reading's file does not complete this bundle.
        let wrong = try runVitalgate(["verify", bundle, "--reading", otherReading])
        #expect(wrong.status != 0 && wrong.stdout.contains("another reading"), "\(wrong.stdout)")

        // Altered archive: one bit of one hash of tile 0.
        var bent = original
        bent[index * 32 + 7] ^= 0x10
        try bent.write(to: URL(fileURLWithPath: tile0))
        for args in [["--reading", reading], ["--leaf", String(index)], ["--leaf", "200"], ["--leaf", String(eventsBelow[0])]] {
            let refused = try runVitalgate(["export", "--home", rig.gateway.home] + args)
            #expect(refused.status != 0 && refused.stdout.isEmpty, "\(args): \(refused.stdout)")
            #expect(refused.stderr.contains("does not match the log"), "\(args): \(refused.stderr)")
        }
        // A bundle made before is self-contained and still verifies.
        #expect(try runVitalgate(["verify", bundle, "--reading", reading]).status == 0)

        // Missing archive (the share not mounted).
        try original.write(to: URL(fileURLWithPath: tile0))
        try FileManager.default.moveItem(atPath: folder, toPath: folder + ".away")
        let missing = try runVitalgate(["export", "--home", rig.gateway.home, "--reading", reading])
        #expect(missing.status != 0 && missing.stdout.isEmpty)
        #expect(missing.stderr.contains("does not exist") && missing.stderr.contains("mounted"), "\(missing.stderr)")

        // Control: the archive back, and the same bundle again.
        try FileManager.default.moveItem(atPath: folder + ".away", toPath: folder)
        let again = try runVitalgate(["export", "--home", rig.gateway.home, "--reading", reading])
        #expect(again.status == 0 && again.stdout == export.stdout, "\(again.stderr)")
        rig.gateway.stopAgent()
        #expect(rig.gateway.agent?.terminationStatus == 0)
    }
}
