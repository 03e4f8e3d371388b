#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FileIO
import LocalProcesses
import MQTT
import Threads

/// The baseline: a minimal libmosquitto subscriber (the project's MQTT
/// module) that only counts what arrives on `vitals/+` with QoS 1. Runs as
/// its own process, like the agent, so both are measured the same way.
///
/// Writes `<out>.ready` once subscribed, and `<out>` (one line:
/// `received first_ns last_ns` in `crossProcessNanos`) when `expect` messages arrived or the time-out passed.
struct SubscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "subscribe", abstract: "Baseline subscriber (used by `run`).")

    @Option var port: UInt16
    @Option(name: .customLong("client-id")) var clientID: String
    @Flag(help: "Keep a persistent session (clean session off).") var persistent = false
    @Option(help: "Messages to wait for; 0: subscribe, then disconnect at once.") var expect = 0
    @Option var out: String
    @Option var timeout = 120.0

    func run() throws {
        MQTTLibrary.initialize()
        var config = MQTTClient.Configuration(clientID: clientID, cleanSession: !persistent)
        config.port = port
        let client = try MQTTClient(config)
        // Messages received, and when the first and the last arrived.
        let seen = LockedBox((received: 0, first: UInt64(0), last: UInt64(0)))
        client.onMessage = { message in
            guard !message.topic.hasSuffix("/ack") else { return }
            let now = crossProcessNanos()
            seen.withLock { seen in
                seen.received += 1
                if seen.first == 0 { seen.first = now }
                seen.last = now
            }
        }
        try client.subscribe("vitals/+", qos: 1)
        try client.start()
        guard client.waitUntilConnected(timeout: .seconds(10)) else { throw BenchError("subscriber cannot reach the broker") }
        ThreadSleep.for(.milliseconds(200))  // no SUBACK callback: give the subscription a moment
        try Files.write([], to: out + ".ready", overwrite: true)
        if expect > 0 {
            try? waitUntil(timeout: .seconds(timeout), interval: .milliseconds(1), "\(expect) messages") { seen.withLock { $0.received >= expect } }
        }
        client.stop()
        let line = seen.withLock { "\($0.received) \($0.first) \($0.last)\n" }
        try Files.write(Array(line.utf8), to: out, overwrite: true)
    }
}

/// The parent side: starts `vitalgate-bench subscribe` and reads its result.
final class PlainSubscriberProcess {
    let process: ChildProcess
    let out: String

    init(bench: String, port: UInt16, clientID: String, persistent: Bool, expect: Int, directory: String, name: String) throws {
        out = directory + "/" + name + ".result"
        unlink(out)
        unlink(out + ".ready")
        var args = ["subscribe", "--port", String(port), "--client-id", clientID, "--expect", String(expect), "--out", out]
        if persistent { args.append("--persistent") }
        process = try ChildProcess(name: "subscriber", executable: bench, arguments: args, logPath: directory + "/" + name + ".log")
    }

    func waitReady() throws {
        let process = process, ready = out + ".ready"
        try waitUntil(timeout: .seconds(15), "the plain subscriber to subscribe") {
            guard process.isRunning || Files.exists(ready) else { throw BenchError("subscriber exited: \(process.logTail())") }
            return Files.exists(ready)
        }
    }

    /// (received, first_ns, last_ns) once the child has exited.
    func result(timeout: Double) throws -> (received: Int, first: UInt64, last: UInt64) {
        guard process.waitForExit(timeout: timeout) != nil else {
            process.stop(grace: 2)
            throw BenchError("the plain subscriber did not finish within \(timeout) s")
        }
        let fields = ((try? Files.readText(out)) ?? "").split(separator: " ").map { String($0.filter { $0 != "\n" }) }
        guard fields.count == 3, let n = Int(fields[0]), let f = UInt64(fields[1]), let l = UInt64(fields[2]) else {
            throw BenchError("the plain subscriber wrote no result: \(process.logTail())")
        }
        return (n, f, l)
    }
}
