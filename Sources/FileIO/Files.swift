#if canImport(Glibc)
import Glibc
#endif
import Codecs

/// The one file layer: POSIX calls wrapped once, for the agent, the key
/// files (Sodium), the ledger's cookie and the command line. No Foundation
/// on the agent's path; secrets are read into and written from the caller's
/// own buffers, never copied, so the caller's wipe covers them.
public enum Files {
    // MARK: Descriptors

    /// Writes all of `bytes` to `fd`, through short writes and signals.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileError) {
        _ = try transfer(bytes.count, "write", path, step: { offset in
            bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
        })
    }

    /// Reads into `buffer`, in place, until it is full, the end of the file,
    /// or (with `untilNewline`) a read that brought a newline; returns the
    /// number of bytes read. A full buffer means there may be more.
    public static func readAll(_ fd: Int32, into buffer: inout [UInt8], path: String, untilNewline: Bool = false) throws(FileError) -> Int {
        try transfer(buffer.count, "read", path, step: { offset in
            buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
        }, stop: { done in
            // A line typed at a terminal comes in one read, and no more follows until the next.
            untilNewline && buffer[..<done].contains(UInt8(ascii: "\n"))
        })
    }

    /// The one read/write loop: `step(offset)` moves bytes from `offset` on
    /// and returns how many (0 at the end of a file), or -1 with errno;
    /// interrupted calls are repeated. Returns the bytes moved.
    private static func transfer(_ count: Int, _ call: String, _ path: String, step: (Int) -> Int,
                                 stop: (Int) -> Bool = { _ in false }) throws(FileError) -> Int {
        var done = 0
        while done < count {
            let n = step(done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(call, path, errno: errno)
            }
            if n == 0 { break }
            done += n
            if stop(done) { break }
        }
        return done
    }

    // MARK: Whole files

    /// The whole file.
    public static func read(_ path: String) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", path, errno: errno) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = try readAll(fd, into: &chunk, path: path)
            result.append(contentsOf: chunk[0..<n])
            if n < chunk.count { return result }
        }
    }

    public static func readText(_ path: String) throws(FileError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Writes `bytes` to a new file with exactly `mode` and fsyncs it. Without
    /// `overwrite` an existing file is refused (`O_EXCL`: `EEXIST`) and a
    /// failed write removes the file again.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, overwrite: Bool) throws(FileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL), mode)
        guard fd >= 0 else { throw FileError("open", path, errno: errno) }
        do {
            try fill(fd, bytes, mode: mode, path: path, sync: true)
            close(fd)
        } catch {
            close(fd)
            if !overwrite { unlink(path) }
            throw error
        }
    }

    /// Replaces `path` atomically: a new file beside it (unguessable name,
    /// exactly `mode`, fsynced) is renamed over it and the directory is
    /// synced, so a crash leaves the old content or the new, never a mixture
    /// or nothing. The one atomic replace of the project.
    public static func replace(_ bytes: [UInt8], at path: String, mode: mode_t) throws(FileError) {
        try replace(bytes, at: path, mode: mode, durable: true)
    }

    /// Like `replace`, without fsync: for files rewritten every few seconds
    /// that only describe the present (the live status, the metrics file),
    /// where syncing would only wear an SD card. Readers see the old content
    /// or the new; after a power cut the file may be old or empty, which its
    /// readers treat as stale.
    public static func replaceUnsynced(_ bytes: [UInt8], at path: String, mode: mode_t) throws(FileError) {
        try replace(bytes, at: path, mode: mode, durable: false)
    }

    private static func replace(_ bytes: [UInt8], at path: String, mode: mode_t, durable: Bool) throws(FileError) {
        // Random, so that two writers (or a stale file of a crashed one) never
        // share a temporary; SystemRandomNumberGenerator is the kernel's
        // getrandom(2), the same source libsodium's randombytes uses on Linux.
        var random = SystemRandomNumberGenerator()
        let temporary = path + ".tmp-" + Hex.encode(withUnsafeBytes(of: random.next() as UInt64) { Array($0) })
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError("open", temporary, errno: errno) }
        do {
            try fill(fd, bytes, mode: mode, path: temporary, sync: durable)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileError("rename", path, errno: code)
        }
        if durable { try syncDirectory(containing: path) }
    }

    /// Mode, content and (if `sync`) fsync of a newly opened file.
    private static func fill(_ fd: Int32, _ bytes: [UInt8], mode: mode_t, path: String, sync: Bool) throws(FileError) {
        // The umask may have narrowed the mode; readers may be other users (the broker, node_exporter).
        guard fchmod(fd, mode) == 0 else { throw FileError("fchmod", path, errno: errno) }
        try writeAll(fd, bytes, path: path)
        if sync { guard fsync(fd) == 0 else { throw FileError("fsync", path, errno: errno) } }
    }

    /// Makes a new or renamed directory entry durable: syncing a file does
    /// not sync the directory that names it (fsync(2)).
    public static func syncDirectory(containing path: String) throws(FileError) {
        if let slash = path.lastIndex(of: "/") {
            try syncDirectory(slash == path.startIndex ? "/" : String(path[..<slash]))
        } else {
            try syncDirectory(".")
        }
    }

    /// fsyncs `directory` itself, so that renames into it are durable.
    public static func syncDirectory(_ directory: String) throws(FileError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", directory, errno: errno) }
        defer { close(fd) }
        // Some file systems cannot sync directories (EINVAL); nothing more can be done there.
        if fsync(fd) != 0 && errno != EINVAL { throw FileError("fsync", directory, errno: errno) }
    }

    // MARK: Names

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Whether this process may execute `path` (a tool to run, if installed).
    public static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// The path of the running program (/proc/self/exe); nil where /proc is not mounted.
    public static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The size of the file at `path` in bytes; nil if it cannot be stat'ed (missing).
    public static func size(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// `path` without trailing slashes ("/" stays "/"), so a folder's
    /// `path + "/name"` has exactly one between them.
    public static func withoutTrailingSlashes(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    /// Creates an empty file with `mode` unless something exists at `path`.
    public static func createIfMissing(_ path: String, mode: mode_t) throws(FileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw FileError("open", path, errno: errno)
        }
    }

    /// Clears every permission bit of `path` that `allowed` lacks (a file
    /// left wider by an older release, or by a wider umask); keeps narrower
    /// modes; does nothing if the file is missing.
    public static func restrictMode(_ path: String, to allowed: mode_t) throws(FileError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw FileError("stat", path, errno: errno)
        }
        let mode = info.st_mode & 0o7777
        guard mode & ~allowed != 0 else { return }
        guard chmod(path, mode & allowed) == 0 else { throw FileError("chmod", path, errno: errno) }
    }

    /// Creates a directory (and parents) with `mode` if missing.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o750) throws(FileError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, mode) != 0 && errno != EEXIST { throw FileError("mkdir", prefix, errno: errno) }
        }
    }

    /// A new, empty directory `/tmp/<prefix>-XXXXXX` (mkdtemp(3): a unique
    /// name, mode 0700); returns its path. The caller removes it.
    public static func makeTemporaryDirectory(_ prefix: String) throws(FileError) -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw FileError("mkdtemp", "/tmp/\(prefix)-XXXXXX", errno: errno)
        }
        return String(cString: made)
    }

    /// Names of the entries of a directory, sorted.
    public static func list(_ path: String) throws(FileError) -> [String] {
        guard let dir = opendir(path) else { throw FileError("opendir", path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// The first line of a secret file (a password), without its newline.
public func readSecretLine(_ path: String) throws(FileError) -> String {
    let text = try Files.readText(path)
    return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
}

/// A system call on a file that failed: which call, on what path, and errno,
/// so that each caller can map it into its own error type.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call (`open`, `read`, `write`, `fsync`, `rename`, ...).
    public let call: String
    public let path: String
    public let errno: Int32

    public init(_ call: String, _ path: String, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    public var reason: String { String(cString: strerror(errno)) }

    public var description: String {
        let verb = switch call {
        case "fsync": "sync"
        case "rename": "replace"
        case "opendir": "list"
        case "mkdir", "mkdtemp": "create"
        default: call
        }
        return "cannot \(verb) \(path): \(reason)"
    }
}
