import Foundation
import SQLiteStore
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Files under the gateway home that hold anything about patients are
/// closed to others (issue 11): no file wider than 0640, no folder wider
/// than 0750; only `gateway.pub`, which is public, may be read by anyone.
@Suite(.serialized)
struct SecurityFileModeTests {
    /// The permission bits of `path`, nil if it is missing.
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
    }

    /// Every entry under `root` (relative path) with its permission bits and whether it is a folder.
    static func entries(under root: String) -> [(path: String, mode: mode_t, folder: Bool)] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).compactMap { path in
            var info = stat()
            guard lstat("\(root)/\(path)", &info) == 0 else { return nil }  // gone meanwhile (a -shm at shutdown)
            return (path, info.st_mode & 0o7777, (info.st_mode & S_IFMT) == S_IFDIR)
        }
    }

    /// "path mode" of every entry wider than allowed: files 0640, folders
    /// 0750, `gateway.pub` 0644.
    static func tooWide(under root: String) -> [String] {
        entries(under: root).filter { entry in
            let allowed: mode_t = entry.folder ? 0o750 : entry.path == "gateway.pub" ? 0o644 : 0o640
            return entry.mode & ~allowed != 0
        }.map { "\($0.path) \(String($0.mode, radix: 8))" }
    }

    static func reading(_ seq: Int) -> (topic: String, payload: [UInt8]) {
        let ts = Int64(Date().timeIntervalSince1970 * 1000)
        return ("vitals/ox-1", Array("{\"device\":\"ox-1\",\"boot\":1,\"seq\":\(seq),\"ts\":\(ts),\"spo2\":97,\"hr\":72}".utf8))
    }

    @Test func afterProvisionAndARunWithReadingsNothingUnderTheHomeIsOpenToOthers() throws {
        // Control: under this process's umask, SQLite left to itself (as
        // before issue 11) creates a database others may read, and the check finds it.
        let scratch = try TemporaryDirectory("vitalgate-modes")
        defer { scratch.remove() }
        do { _ = try Database(path: scratch.file("plain.sqlite")) }
        #expect(Self.tooWide(under: scratch.path) == ["plain.sqlite 644"], "a umask narrower than 022 hides what this test checks")

        let broker = try Broker()
        defer { broker.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, [:]),
                                         devices: [("ox-1", "pulse-oximeter")])
        defer { gateway.remove() }
        let assign = try runVitalgate(["device", "assign", "ox-1", "--patient", "Patient/123", "--home", gateway.home])
        #expect(assign.status == 0, "\(assign.stderr)")
        try gateway.startAgentAndWaitForBroker()
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        try publisher.publish((1...20).map(Self.reading))
        try gateway.waitForStatus(timeout: 20, "20 readings stored") { $0["stored"]?.int64 == 20 }

        // While the agent runs: the database, its WAL and shared memory, the lock.
        let running = Self.entries(under: gateway.home).map(\.path)
        for file in ["vitalgate.sqlite", "vitalgate.sqlite-wal", "vitalgate.sqlite-shm", "agent.lock", "vitalgate.conf",
                     "gateway.key", "gateway.pub", "broker/passwd", "broker/acl", "broker/agent.password"] {
            #expect(running.contains(file), "\(file) is not under the home: \(running)")
        }
        #expect(Self.tooWide(under: gateway.home).isEmpty, "\(Self.tooWide(under: gateway.home))")
        #expect(Self.mode(gateway.databasePath) == 0o640)
        #expect(Self.mode(gateway.databasePath + "-wal") == 0o640)
        #expect(Self.mode(gateway.databasePath + "-shm") == 0o640)

        gateway.stopAgent()
        let status = try runVitalgate(["status", "--home", gateway.home])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(Self.tooWide(under: gateway.home).isEmpty, "\(Self.tooWide(under: gateway.home))")
    }

    @Test func anOldWorldReadableDatabaseIsNarrowedWhenACommandOrTheAgentOpensIt() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, [:]),
                                         devices: [("ox-1", "pulse-oximeter")])
        defer { gateway.remove() }
        let db = gateway.databasePath

        // As an older release left it: 0644. A reading command narrows it.
        #expect(chmod(db, 0o644) == 0)
        let status = try runVitalgate(["status", "--home", gateway.home])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(Self.mode(db) == 0o640)
        // So does a command that writes.
        #expect(chmod(db, 0o644) == 0)
        let assign = try runVitalgate(["device", "assign", "ox-1", "--patient", "Patient/123", "--home", gateway.home])
        #expect(assign.status == 0, "\(assign.stderr)")
        #expect(Self.mode(db) == 0o640)

        // An agent that crashed leaves its WAL and shared memory behind; all
        // three opened wide (even group-writable) are narrowed by the next agent.
        try gateway.startAgentAndWaitForBroker()
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        try publisher.publish((1...10).map(Self.reading))
        try gateway.waitForStatus(timeout: 20, "10 readings stored") { $0["stored"]?.int64 == 10 }
        gateway.killAgent()
        for path in [db, db + "-wal", db + "-shm"] {
            try #require(Self.mode(path) != nil, "\(path) is missing after the crash")
            #expect(chmod(path, 0o666) == 0)
        }
        try gateway.startAgentAndWaitForBroker()
        try publisher.publish((11...20).map(Self.reading))
        try gateway.waitForStatus(timeout: 20, "20 readings stored") { $0["stored"]?.int64 == 20 }
        for path in [db, db + "-wal", db + "-shm"] {
            #expect(Self.mode(path) == 0o640, "\(path)")
        }
        #expect(Self.tooWide(under: gateway.home).isEmpty, "\(Self.tooWide(under: gateway.home))")
    }
}
