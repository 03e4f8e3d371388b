import Glibc

/// One non-blocking TCP connection whose every wait is bounded by a deadline,
/// so a node that stops answering costs at most the configured timeout.
struct TCPConnection: ~Copyable {
    private let fd: Int32
    private let deadline: Deadline
    /// "host:port", for error messages.
    let peer: String

    /// Resolves `host` and connects to the first address that accepts before `deadline`.
    init(host: String, port: UInt16, deadline: Deadline) throws(LedgerError) {
        // Every stored property is set after the only throwing call: a
        // ~Copyable init that throws half-initialized trips the SIL verifier
        // of assertion-enabled compilers (Debian's swiftlang).
        let peer = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let socketFD = try Self.open(host: host, port: port, peer: peer, deadline: deadline)
        self.peer = peer
        self.deadline = deadline
        fd = socketFD
    }

    /// A connected socket to the first address of `host` that accepts before `deadline`.
    private static func open(host: String, port: UInt16, peer: String, deadline: Deadline) throws(LedgerError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else { throw .unreachable("cannot resolve \(host): \(String(cString: gai_strerror(status)))") }
        defer { freeaddrinfo(list) }
        var failure = "no address for \(host)"
        var candidate = list
        while let info = candidate?.pointee {
            candidate = info.ai_next
            let flags = Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let socketFD = socket(info.ai_family, info.ai_socktype | flags, info.ai_protocol)
            guard socketFD >= 0 else { failure = "socket(): \(String(cString: strerror(errno)))"; continue }
            if let error = connect(socketFD, info.ai_addr, info.ai_addrlen, deadline) {
                close(socketFD)
                failure = error
                continue
            }
            return socketFD
        }
        throw .unreachable("\(peer): \(failure)")
    }

    /// nil on success, else why not.
    private static func connect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t, _ deadline: Deadline) -> String? {
        if Glibc.connect(fd, address, length) == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var pollFD = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&pollFD, 1, deadline.remainingMilliseconds)
        guard ready > 0 else { return ready == 0 ? "connect timed out" : String(cString: strerror(errno)) }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        return error == 0 ? nil : String(cString: strerror(error))
    }

    /// Waits until the socket is ready for `events` or the deadline passes.
    private func wait(_ events: Int32, _ doing: String) throws(LedgerError) {
        var pollFD = pollfd(fd: fd, events: Int16(events), revents: 0)
        while true {
            let ready = poll(&pollFD, 1, deadline.remainingMilliseconds)
            if ready > 0 { return }
            if ready < 0 && errno == EINTR { continue }
            throw .unreachable("\(peer): timed out \(doing)")
        }
    }

    func sendAll(_ bytes: [UInt8]) throws(LedgerError) {
        var sent = 0
        while sent < bytes.count {
            try wait(POLLOUT, "sending the request")
            // MSG_NOSIGNAL: a peer that closed must give EPIPE, not kill the process with SIGPIPE.
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .unreachable("\(peer): send failed: \(String(cString: strerror(errno)))")
            }
            sent += n
        }
    }

    /// Up to `maximum` bytes; empty at end of stream.
    func receive(maximum: Int = 65_536) throws(LedgerError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            try wait(POLLIN, "waiting for the answer")
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .unreachable("\(peer): receive failed: \(String(cString: strerror(errno)))")
            }
            return Array(buffer[0..<n])
        }
    }

    deinit { close(fd) }
}
