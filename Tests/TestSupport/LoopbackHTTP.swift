#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.0 GET to 127.0.0.1:`port` (so the answer is not chunked); its status and body.
public func loopbackGet(port: UInt16, path: String) throws -> (Int, [UInt8]) {
    try loopbackExchange(port: port, request: Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8))
}

/// One HTTP/1.1 POST to 127.0.0.1:`port` with `Connection: close`; its status and body.
func loopbackPost(port: UInt16, path: String, authorization: String, body: [UInt8]) throws -> (Int, [UInt8]) {
    let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: \(authorization)\r\n"
        + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
    return try loopbackExchange(port: port, request: Array(head.utf8) + body)
}

/// Sends `request` on a new blocking connection and reads the answer to the
/// end of the stream (10 s socket timeouts); the status code and the body.
/// The test harness's own client, independent of the code under test.
private func loopbackExchange(port: UInt16, request: [UInt8]) throws -> (Int, [UInt8]) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw HarnessError("connect 127.0.0.1:\(port) failed: errno \(errno)") }
    var sent = 0
    while sent < request.count {
        let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
        guard n > 0 else { throw HarnessError("send to 127.0.0.1:\(port) failed: errno \(errno)") }
        sent += n
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
