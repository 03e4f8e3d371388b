import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's `prometheus-node-exporter` for one test: only its textfile
/// collector (and its own `node_textfile_*` metrics), reading `directory`,
/// on a free 127.0.0.1 port; stopped by PID.
public final class NodeExporter: @unchecked Sendable {
    public static let executable = "/usr/bin/prometheus-node-exporter"

    public let port: UInt16
    public let directory: String
    private let temporary: TemporaryDirectory
    private let process: ChildProcess

    public init(textfileDirectory: String) throws {
        temporary = try TemporaryDirectory("vitalgate-node-exporter")
        directory = textfileDirectory
        port = try freeLoopbackPort()
        process = try ChildProcess(name: "node_exporter", executable: Self.executable,
                                   arguments: ["--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults",
                                               "--collector.textfile", "--collector.textfile.directory=\(textfileDirectory)"],
                                   logPath: temporary.file("node-exporter.log"))
        try waitUntil(timeout: 15, "node_exporter to listen on 127.0.0.1:\(port)") {
            guard process.isRunning else { throw HarnessError("node_exporter exited: \(process.output())") }
            return loopbackPortAccepts(port)
        }
    }

    /// GET /metrics: the exposition text, as Prometheus would scrape it.
    public func scrape() throws -> String {
        let (status, body) = try loopbackGet(port: port, path: "/metrics")
        guard status == 200 else { throw HarnessError("node_exporter answered HTTP \(status)") }
        return String(decoding: body, as: UTF8.self)
    }

    public func output() -> String { process.output() }

    public func stop() {
        process.stop(grace: 5)
        temporary.remove()
    }

    deinit { process.stop(grace: 5) }
}

/// The samples of a Prometheus text exposition, by series (`name{labels}` as
/// written, or just the name), for assertions.
public func prometheusSamples(_ text: String) -> [String: Double] {
    var samples: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        samples[String(line[..<space])] = value
    }
    return samples
}
