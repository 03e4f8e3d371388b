import Foundation
import JSON
import SQLiteStore
import Testing
import TestSupport

/// Issue 3's disk-full test, on a real small filesystem (a 16 MiB tmpfs,
/// nearly filled): no acknowledgement for unstored readings, no corruption,
/// and ingest resumes by itself once there is room.
@Suite(.serialized)
struct DiskFullTests {
    @Test func fullDiskStopsAcknowledgingAndIngestResumesWhenThereIsRoom() throws {
        let disk = try SmallFilesystem(megabytes: 16)
        defer { disk.remove() }
        let broker = try Broker()
        defer { broker.stop() }
        let ids = (0..<4).map { ("full-\($0)", TrafficPlan.profiles[$0]) }
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, ["checkpoint_interval": "2"]), devices: ids, homePath: disk.path + "/home")
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        let acks = try AckCollector(port: broker.port)
        defer { acks.stop() }

        // Leave about 1 MiB: far less than the readings below need.
        try disk.fill(leavingBytes: 1 << 20)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var sent: [String] = []
        var messages: [(topic: String, payload: [UInt8])] = []
        for i in 1...4000 {
            for (d, p) in ids {
                messages.append(("vitals/\(d)", TrafficPlan.reading(d, p, seq: Int64(i), ts: now, i)))
                sent.append("\(d)#0#\(i)")
            }
        }
        let publisher = try Publisher(port: broker.port)
        try publisher.publish(messages, window: 1000, timeout: 120)
        try waitUntil(timeout: 60, "the agent to report a full disk") { gateway.agentLogs().contains("ingest paused") }
        // Acks follow their commit on the ack thread: wait until every commit so far has been acknowledged.
        try waitUntil(timeout: 30, "acks for everything committed before the disk filled") { acks.keys == (try storedKeys(gateway)) }

        // While full: everything acknowledged is stored; not everything is stored; the file is sound.
        let storedWhileFull = try storedKeys(gateway)
        #expect(storedWhileFull.count < sent.count)
        #expect(!acks.keys.isEmpty, "some readings were stored and acknowledged before the disk filled")
        #expect(acks.keys.isSubset(of: storedWhileFull), "acknowledged but not stored: \(acks.keys.subtracting(storedWhileFull).prefix(5))")
        #expect(try integrity(gateway) == "ok")

        // Room again: ingest resumes by itself, and everything is stored once and acknowledged.
        disk.emptyFiller()
        try gateway.waitForStatus(timeout: 120, "ingest to resume and catch up") { s in s["stored"]?.int64 == Int64(sent.count) }
        try waitUntil(timeout: 30, "every reading acknowledged") { acks.keys.count == sent.count }
        #expect(try storedKeys(gateway) == Set(sent))
        #expect(gateway.agentLogs().contains("ingest resumed"))
        publisher.stop()
        gateway.stopAgent()
        #expect(try integrity(gateway) == "ok")
    }

    func storedKeys(_ gateway: GatewayFixture) throws -> Set<String> {
        let db = try gateway.readOnlyDatabase()
        return Set(try db.prepare("SELECT device, boot, seq FROM readings").rows { "\($0.text(0) ?? "")#\($0.int64(1))#\($0.int64(2))" })
    }

    func integrity(_ gateway: GatewayFixture) throws -> String? {
        try gateway.readOnlyDatabase().prepare("PRAGMA integrity_check").rows { $0.text(0) ?? "" }.first
    }
}

/// A tmpfs of a fixed size mounted for one test (the tests run as root, as
/// CI does), and a filler file to take its free space away and give it back.
final class SmallFilesystem {
    let directory: TemporaryDirectory
    var path: String { directory.file("fs") }
    var filler: String { path + "/filler" }

    init(megabytes: Int) throws {
        directory = try TemporaryDirectory("vitalgate-smallfs")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            throw HarnessError("cannot mount a \(megabytes) MiB tmpfs at \(path): the disk-full test needs root (as CI has)")
        }
    }

    /// Writes a filler file until at most `bytes` remain free.
    func fill(leavingBytes bytes: Int) throws {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { throw HarnessError("statvfs \(path) failed") }
        let free = Int(stats.f_bavail) * Int(stats.f_frsize)
        let size = max(0, free - bytes)
        guard FileManager.default.createFile(atPath: filler, contents: Data(count: size)) else {
            throw HarnessError("cannot write the \(size)-byte filler")
        }
    }

    func emptyFiller() { try? FileManager.default.removeItem(atPath: filler) }

    func remove() {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = ["-l", path]
        try? umount.run()
        umount.waitUntilExit()
        directory.remove()
    }
}
