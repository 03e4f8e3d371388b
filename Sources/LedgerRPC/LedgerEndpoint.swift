import Codecs
import FileIO
import Glibc
import JSON

/// How to reach a node's JSON-RPC server: an `http://host:port[/path]` URL,
/// the wallet that wallet calls address, and the credentials.
///
/// Only plain HTTP is spoken: the node is meant to be on loopback or the
/// gateway's LAN (Bitcoin Core dropped RPC over TLS in 0.12).
public struct LedgerEndpoint: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The URL as given.
    public let url: String
    /// The wallet for calls made with `wallet: true` (sent to `/wallet/<name>`); nil uses the node's default wallet.
    public var wallet: String?
    public var auth: LedgerAuth
    /// Host name or address from `url` (IPv6 without brackets).
    public let host: String
    public let port: UInt16
    /// The request path from `url`; "/" when the URL has none.
    public let path: String

    /// Parses `url`.
    /// - Throws: `InvalidLedgerURL` for anything but `http://host:port[/path]`
    ///   without credentials in the URL.
    public init(url: String, wallet: String? = nil, auth: LedgerAuth) throws(InvalidLedgerURL) {
        self.url = url
        self.wallet = wallet
        self.auth = auth
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") else {
            if lower.hasPrefix("https://") {
                throw InvalidLedgerURL(url, "https is not supported; reach the node over http on loopback or the LAN")
            }
            throw InvalidLedgerURL(url, "must start with http://")
        }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        path = rest.count > authority.count ? String(rest.dropFirst(authority.count)) : "/"
        guard !authority.contains("@") else {
            throw InvalidLedgerURL(url, "put credentials in the auth setting, not in the URL")
        }
        let hostPart: Substring
        let portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw InvalidLedgerURL(url, "unclosed [ in IPv6 host") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            portPart = after.hasPrefix(":") ? after.dropFirst() : (after.isEmpty ? nil : after)
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
            portPart = nil
        }
        guard !hostPart.isEmpty else { throw InvalidLedgerURL(url, "missing host") }
        guard let portPart else { throw InvalidLedgerURL(url, "missing port (litecoind regtest listens on 19443, mainnet on 9332)") }
        guard let port = UInt16(portPart), port > 0 else { throw InvalidLedgerURL(url, "port must be 1-65535") }
        host = String(hostPart)
        self.port = port
    }

    /// The URL and wallet; the credentials are left out.
    public var description: String { "\(url) wallet \(wallet ?? "(default)") auth \(auth)" }
    public var debugDescription: String { description }
}

/// How the node checks the caller (Bitcoin Core httprpc.cpp: HTTP Basic auth).
public enum LedgerAuth: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The node's `.cookie` file (`__cookie__:<password>`), re-read at each
    /// connection because the node writes a new one every start.
    case cookieFile(String)
    /// `-rpcuser` / `-rpcpassword` (or an `-rpcauth` entry).
    case userPassword(String, String)

    /// Names the cookie path or the user; never the password.
    public var description: String {
        switch self {
        case .cookieFile(let path): "cookie file \(path)"
        case .userPassword(let user, _): "user \(user) with password (hidden)"
        }
    }
    public var debugDescription: String { description }
}

/// A ledger URL that cannot be used, and why.
public struct InvalidLedgerURL: Error, Equatable, Sendable, CustomStringConvertible {
    public let url: String
    public let reason: String
    init(_ url: String, _ reason: String) { self.url = url; self.reason = reason }
    public var description: String { "invalid ledger URL \"\(url)\": \(reason)" }
}

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
