#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A real TCP listener on 127.0.0.1 that answers one connection with fixed
/// bytes, so the hand-written HTTP/1.1 client is tested on exactly the
/// answers a node (or something pretending to be one) could send.
final class CannedHTTPServer: @unchecked Sendable {  // the request is handed over through `done`
    let port: UInt16
    private let listener: Int32
    private let done = DispatchSemaphore(value: 0)
    private var request: [UInt8] = []

    /// Serves one connection: reads the request, writes `answer`, closes.
    init(answer: [UInt8]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { close(listener); throw POSIXError(.EADDRNOTAVAIL) }
        port = UInt16(bigEndian: address.sin_port)
        self.listener = listener
        Thread.detachNewThread { [self] in
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { done.signal(); return }
            request = Self.readRequest(connection)
            var sent = 0
            while sent < answer.count {
                // MSG_NOSIGNAL: a client that gives up early must not kill the test process with SIGPIPE.
                let n = answer.withUnsafeBytes { send(connection, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }
                sent += n
            }
            close(connection)
            done.signal()
        }
    }

    convenience init(_ text: String) throws { try self.init(answer: Array(text.utf8)) }

    /// The request the client sent, once the exchange is over.
    func receivedRequest() -> String {
        done.wait()
        return String(decoding: request, as: UTF8.self)
    }

    deinit { close(listener) }

    /// The head and as much body as its Content-Length announces.
    private static func readRequest(_ fd: Int32) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let text = String(decoding: received, as: UTF8.self)
            if let headEnd = text.range(of: "\r\n\r\n") {
                let head = text[..<headEnd.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.distance(from: text.utf8.startIndex, to: headEnd.upperBound) + length <= received.count { return received }
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return received }
            received += chunk[0..<n]
        }
    }
}
