/// One HTTP/1.1 POST on its own connection (`Connection: close`), the way
/// Bitcoin Core's libevent server expects JSON-RPC (httpserver.cpp).
struct HTTPExchange {
    struct Response {
        let status: Int
        let body: [UInt8]
    }

    /// Largest response accepted: far above any answer this client asks for.
    static let maximumResponseBytes = 32 << 20

    static func post(host: String, port: UInt16, path: String, authorization: String, body: [UInt8],
                     timeoutSeconds: Double) throws(LedgerError) -> Response {
        let deadline = Deadline(secondsFromNow: timeoutSeconds)
        let connection = try TCPConnection(host: host, port: port, deadline: deadline)
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let head = "POST \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nAuthorization: \(authorization)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try connection.sendAll(Array(head.utf8) + body)

        var received: [UInt8] = []
        var headerEnd: Int?
        var contentLength: Int?
        var status = 0
        while true {
            if let end = headerEnd, let length = contentLength, received.count - end >= length { break }
            let chunk = try connection.receive()
            if chunk.isEmpty { break }
            received += chunk
            guard received.count <= maximumResponseBytes else {
                throw .badResponse("\(connection.peer): answer larger than \(maximumResponseBytes) bytes")
            }
            if headerEnd == nil, let end = Self.endOfHead(received) {
                headerEnd = end
                (status, contentLength) = try Self.parseHead(Array(received[0..<end]), peer: connection.peer)
            }
        }
        guard let end = headerEnd else { throw .badResponse("\(connection.peer): connection closed before a complete HTTP header") }
        var body = Array(received[end...])
        if let length = contentLength {
            guard body.count >= length else {
                throw .badResponse("\(connection.peer): body ended after \(body.count) of \(length) bytes")
            }
            body = Array(body.prefix(length))
        }
        return Response(status: status, body: body)
    }

    /// Index just past the blank line that ends the head, if it has arrived.
    private static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    /// Status code and Content-Length (RFC 9112 sections 4 and 6.3).
    private static func parseHead(_ head: [UInt8], peer: String) throws(LedgerError) -> (Int, Int?) {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
        let statusLine = lines.first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw .badResponse("\(peer): not an HTTP/1.x status line: \(statusLine.prefix(60))")
        }
        var length: Int?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            if name == "content-length" {
                guard let n = Int(value), n >= 0, n <= maximumResponseBytes else {
                    throw .badResponse("\(peer): bad Content-Length \(value)")
                }
                length = n
            } else if name == "transfer-encoding" && value.lowercased() != "identity" {
                throw .badResponse("\(peer): Transfer-Encoding \(value) is not supported for RPC answers")
            }
        }
        return (status, length)
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
