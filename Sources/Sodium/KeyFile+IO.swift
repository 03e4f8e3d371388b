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

extension KeyFile {
    /// Writes `content` to `path` with mode 0600 and makes it durable. Without
    /// `overwrite`, `O_EXCL` refuses an existing file; with it, a temporary
    /// file beside `path` is renamed over it, so a crash leaves the old
    /// content or the new, never a mixture.
    static func install(_ content: [UInt8], at path: String, overwrite: Bool) throws(KeyFileError) {
        if overwrite {
            let temporary = path + ".tmp-" + String(decoding: lowercaseHexDigits(SecureRandom.bytes(6)), as: UTF8.self)
            try createExclusively(temporary, content: content)
            guard rename(temporary, path) == 0 else {
                let code = errno
                unlink(temporary)
                throw .systemCall(path: path, call: "rename", errno: code)
            }
        } else {
            try createExclusively(path, content: content)
        }
        try syncDirectory(containing: path)
    }

    /// Up to `capacity` bytes of the regular file at `path`, which group and
    /// others must not be able to read or write (checked with `fstat` on the
    /// opened descriptor, so on the file actually read). The caller wipes the
    /// result (`sodiumZero`) once done.
    static func readPrivateFile(_ path: String, capacity: Int) throws(KeyFileError) -> [UInt8] {
        let fd = try PrivateFile.open(path, as: KeyFileError.self)
        defer { close(fd) }
        var content = [UInt8](repeating: 0, count: capacity)
        let length: Int
        do {
            length = try readAll(fd, into: &content, path: path)
        } catch {
            sodiumZero(&content)
            throw error
        }
        // Shrinking in place keeps the same storage, so the caller's wipe covers every byte read.
        content.removeLast(capacity - length)
        return content
    }
}
