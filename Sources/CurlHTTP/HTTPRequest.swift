/// One HTTP POST to make: where, with which headers and body, how long to
/// wait, and which certificate authorities to trust for `https://`.
public struct HTTPRequest: Sendable {
    /// An `http://` or `https://` URL; other schemes are refused by libcurl
    /// (CURLOPT_PROTOCOLS_STR), so a typo can't reach `file://` or `ftp://`.
    public var url: String
    /// Complete header lines without CRLF, e.g. `Content-Type: application/fhir+json`.
    public var headers: [String]
    public var body: [UInt8]
    /// Whole exchange, connection included.
    public var timeoutSeconds: Double
    /// PEM file of CAs to trust instead of the system store (a clinic's
    /// private CA); nil uses the system store. Peer and host name are always verified.
    public var caFile: String?

    public init(url: String, headers: [String] = [], body: [UInt8], timeoutSeconds: Double = 30, caFile: String? = nil) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
        self.caFile = caFile
    }
}

/// What the server answered: any status, 1xx aside, and the body.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let body: [UInt8]
}

/// Why no answer came: the connection, TLS or the time limit failed, or the
/// caller cancelled. The server's own error answers (4xx, 5xx) are responses.
public enum HTTPFailure: Error, CustomStringConvertible, Equatable {
    case transport(String)
    case cancelled

    public var description: String {
        switch self {
        case .transport(let message): message
        case .cancelled: "cancelled"
        }
    }
}
