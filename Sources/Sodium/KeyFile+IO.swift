#if canImport(Glibc)
import Glibc
#endif

extension KeyFile {
    /// Creates `path` (which must not exist) with mode 0600, writes `content`
    /// and fsyncs it. Removes the file again if anything fails.
    static func createExclusively(_ path: String, content: [UInt8]) throws(KeyFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw code == EEXIST ? .alreadyExists(path: path) : .systemCall(path: path, call: "open", errno: code)
        }
        var failure: KeyFileError?
        // The umask can only clear bits of 0600; fchmod makes the mode exact.
        if fchmod(fd, 0o600) != 0 {
            failure = .systemCall(path: path, call: "fchmod", errno: errno)
        } else if let error = writeAll(fd, content, path: path) {
            failure = error
        } else if fsync(fd) != 0 {
            failure = .systemCall(path: path, call: "fsync", errno: errno)
        }
        close(fd)
        if let failure {
            unlink(path)
            throw failure
        }
    }

    private static func writeAll(_ fd: Int32, _ content: [UInt8], path: String) -> KeyFileError? {
        var written = 0
        while written < content.count {
            let n = content.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                return .systemCall(path: path, call: "write", errno: errno)
            }
            written += n
        }
        return nil
    }

    /// Reads until end of file or until `buffer` is full; returns the byte count.
    static func readAll(_ fd: Int32, into buffer: inout [UInt8], path: String) throws(KeyFileError) -> Int {
        var total = 0
        while total < buffer.count {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .systemCall(path: path, call: "read", errno: errno)
            }
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Makes the new directory entry durable (fsync(2): syncing a file does
    /// not sync the directory that names it).
    static func syncDirectory(containing path: String) throws(KeyFileError) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .systemCall(path: directory, call: "open", errno: errno) }
        defer { close(fd) }
        // Some file systems cannot sync directories (EINVAL); nothing more can be done there.
        if fsync(fd) != 0 && errno != EINVAL {
            throw .systemCall(path: directory, call: "fsync", errno: errno)
        }
    }
}
