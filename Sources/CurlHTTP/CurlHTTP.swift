import CCurl
import Synchronization

/// HTTP/1.1 and HTTPS POSTs through libcurl's easy interface: one handle per
/// request, no shared state, so any thread may call it.
public enum CurlHTTP {
    /// Largest answer kept: a transaction-response Bundle for a few hundred
    /// entries is well below this.
    public static let maximumResponseBytes = 8 << 20

    /// Why libcurl could not be loaded (CCurl/shim.h loads it on first use), or
    /// the curl_global_init result, which is not thread-safe on every build:
    /// a static let runs both once, under swift_once.
    private static let initialized: Result<CURLcode, HTTPFailure> = {
        if let error = vg_curl_load() { return .failure(.transport("libcurl could not be loaded: \(String(cString: error))")) }
        return .success(vg_curl_global_init(Int(CURL_GLOBAL_SSL)))
    }()

    /// Sends `request` and waits for the answer.
    public static func post(_ request: HTTPRequest, cancellation: HTTPCancellation? = nil) throws(HTTPFailure) -> HTTPResponse {
        let initCode = try initialized.get()
        guard initCode == CURLE_OK else { throw .transport("libcurl failed to initialize (\(initCode.rawValue))") }
        guard let handle = vg_curl_easy_init() else { throw .transport("libcurl could not create a handle") }
        defer { vg_curl_easy_cleanup(handle) }
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        for line in request.headers { headers = vg_curl_slist_append(headers, line) }
        defer { vg_curl_slist_free_all(headers) }
        let transfer = Transfer(cancellation: cancellation)
        let context = Unmanaged.passUnretained(transfer).toOpaque()

        var body = request.body
        let code = body.withUnsafeMutableBytes { raw -> CURLcode in
            var rc = vg_curl_setopt_string(handle, CURLOPT_URL, request.url)
            func set(_ next: CURLcode) { if rc == CURLE_OK { rc = next } }
            set(vg_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
            set(vg_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))  // worker threads: no SIGALRM for timeouts
            set(vg_curl_setopt_long(handle, CURLOPT_POST, 1))
            set(vg_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, raw.baseAddress ?? UnsafeMutableRawPointer(context)))
            set(vg_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, raw.count))
            set(vg_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers))
            set(vg_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(request.timeoutSeconds * 1000)))
            set(vg_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(min(request.timeoutSeconds, 10) * 1000)))
            if let ca = request.caFile { set(vg_curl_setopt_string(handle, CURLOPT_CAINFO, ca)) }
            set(vg_curl_setopt_write_function(handle, Transfer.write))
            set(vg_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
            set(vg_curl_setopt_progress_function(handle, Transfer.progress))
            set(vg_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context))
            set(vg_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0))
            guard rc == CURLE_OK else { return rc }
            return vg_curl_easy_perform(handle)
        }
        if transfer.cancelled { throw .cancelled }
        if transfer.overflowed { throw .transport("\(request.url): answer larger than \(maximumResponseBytes) bytes") }
        guard code == CURLE_OK else {
            throw .transport("\(request.url): \(String(cString: vg_curl_easy_strerror(code)))")
        }
        var status = 0
        _ = vg_curl_response_code(handle, &status)
        return HTTPResponse(status: status, body: transfer.body)
    }
}

/// The state libcurl's callbacks write into, for one transfer.
private final class Transfer {
    let cancellation: HTTPCancellation?
    var body: [UInt8] = []
    var overflowed = false
    var cancelled = false

    init(cancellation: HTTPCancellation?) { self.cancellation = cancellation }

    /// CURLOPT_WRITEFUNCTION: returning less than `size * count` aborts the transfer.
    static let write: vg_curl_write_callback = { data, size, count, context in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        let n = size * count
        guard transfer.body.count + n <= CurlHTTP.maximumResponseBytes, let data else {
            transfer.overflowed = true
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: n) { transfer.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
        return n
    }

    /// CURLOPT_XFERINFOFUNCTION: non-zero aborts the transfer.
    static let progress: vg_curl_progress_callback = { context, _, _, _, _ in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        guard transfer.cancellation?.isCancelled == true else { return 0 }
        transfer.cancelled = true
        return 1
    }
}

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

    // Table-like data (duplicates): the public memberwise init (Swift makes only an internal one): one assignment a property, no logic.
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

/// Lets another thread abort a transfer in flight (checked from libcurl's
/// progress callback, which runs at least once a second while waiting), so
/// shutting the agent down never waits for a slow clinic server.
public final class HTTPCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .relaxed) }

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
