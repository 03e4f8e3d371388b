#if canImport(Glibc)
import Glibc
#endif

/// Small file helpers on POSIX calls (no Foundation on the agent's path).
public enum Files {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The whole file.
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    public static func readText(_ path: String) throws -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Writes `bytes` to a new file (fails if it exists unless `overwrite`), with `mode`, and fsyncs it.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, overwrite: Bool) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode)
        guard fd >= 0 else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        guard fsync(fd) == 0 else { throw Failure(description: "cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    /// Replaces `path` atomically: a new file beside it (random name, `mode`,
    /// fsync) is renamed over it and the directory is synced, so a crash
    /// leaves the old content or the new, never a mixture.
    public static func replace(_ bytes: [UInt8], at path: String, mode: mode_t) throws {
        let suffix = (0..<6).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
        let temporary = path + ".tmp-" + suffix
        try write(bytes, to: temporary, mode: mode, overwrite: false)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot replace \(path): \(reason)")
        }
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Creates an empty file with `mode` unless something exists at `path`.
    public static func createIfMissing(_ path: String, mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Clears every permission bit of `path` that `allowed` lacks (a file
    /// left wider by an older release, or by a wider umask); keeps narrower
    /// modes; does nothing if the file is missing.
    public static func restrictMode(_ path: String, to allowed: mode_t) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw Failure(description: "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode & 0o7777
        guard mode & ~allowed != 0 else { return }
        guard chmod(path, mode & allowed) == 0 else {
            throw Failure(description: "cannot restrict \(path) to mode \(String(allowed, radix: 8)): \(String(cString: strerror(errno)))")
        }
    }

    /// Creates a directory (and parents) with `mode` if missing.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o750) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, mode) != 0 && errno != EEXIST {
                throw Failure(description: "cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Names of the entries of a directory, sorted.
    public static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            throw Failure(description: "cannot list \(path): \(String(cString: strerror(errno)))")
        }
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
public func readSecretLine(_ path: String) throws -> String {
    let text = try Files.readText(path)
    return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
}
