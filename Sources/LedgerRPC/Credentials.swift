import Codecs
import FileIO
import Glibc
import JSON

extension LedgerAuth {
    /// The `Authorization` header value (RFC 7617 Basic), reading the cookie now.
    func authorizationHeader() throws(LedgerError) -> String {
        switch self {
        case .userPassword(let user, let password):
            return "Basic " + Base64.encode(Array("\(user):\(password)".utf8))
        case .cookieFile(let path):
            var content = try readSmallFile(path)
            defer { for i in content.indices { content[i] = 0 } }
            while let last = content.last, last == 0x0a || last == 0x0d { content.removeLast() }
            // Core writes "__cookie__:" + hex password (httprpc.cpp GenerateAuthCookie).
            guard let colon = content.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon < content.count - 1 else {
                throw .cookieUnreadable("\(path) is not in user:password form")
            }
            return "Basic " + Base64.encode(content)
        }
    }
}

/// Reads a file of at most 4 KiB (a cookie is 75 bytes).
private func readSmallFile(_ path: String) throws(LedgerError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        throw .cookieUnreadable("\(path): \(String(cString: strerror(errno))) (is the node running with this -datadir?)")
    }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count: Int
    do { count = try Files.readAll(fd, into: &buffer, path: path) } catch { throw .cookieUnreadable("\(path): \(error.reason)") }
    guard count < buffer.count else { throw .cookieUnreadable("\(path) is larger than a cookie file") }
    return Array(buffer[0..<count])
}
