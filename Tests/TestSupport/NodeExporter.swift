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

/// An HTTP/1.0 GET to 127.0.0.1:`port` (so the answer is not chunked); its status and body.
public func loopbackGet(port: UInt16, path: String) throws -> (Int, [UInt8]) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw HarnessError("connect 127.0.0.1:\(port) failed: errno \(errno)") }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
        throw HarnessError("send to 127.0.0.1:\(port) failed: errno \(errno)")
    }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        guard n >= 0 else { throw HarnessError("receive from 127.0.0.1:\(port) failed: errno \(errno)") }
        if n == 0 { break }
        response += buffer[0..<n]
    }
    let separator: [UInt8] = [13, 10, 13, 10]
    guard let headEnd = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<$0 + 4]) == separator }) else {
        throw HarnessError("no HTTP header from 127.0.0.1:\(port)")
    }
    let statusLine = String(decoding: response[0..<headEnd], as: UTF8.self).split(separator: " ")
    return (statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0, Array(response[(headEnd + 4)...]))
}
