import FileIO
#if canImport(Glibc)
import Glibc
#endif

extension KeyFileError {
    /// A failed file call in this module's terms.
    init(_ error: FileError) {
        self = .systemCall(path: error.path, call: error.call, errno: error.errno)
    }
}

extension KeyFile {
    /// Writes `content` to `path` with mode 0600 and makes it durable (file
    /// and directory). Without `overwrite`, `O_EXCL` refuses an existing
    /// file; with it, the file layer's atomic replace renames a new file
    /// over it, so a crash leaves the old content or the new, never a mixture.
    static func install(_ content: [UInt8], at path: String, overwrite: Bool) throws(KeyFileError) {
        do throws(FileError) {
            if overwrite {
                try Files.replace(content, at: path, mode: 0o600)
            } else {
                try Files.write(content, to: path, mode: 0o600, overwrite: false)
                try Files.syncDirectory(containing: path)
            }
        } catch {
            throw error.call == "open" && error.errno == EEXIST && error.path == path ? .alreadyExists(path: path) : KeyFileError(error)
        }
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
            length = try Files.readAll(fd, into: &content, path: path)
        } catch {
            sodiumZero(&content)
            throw KeyFileError(error)
        }
        // Shrinking in place keeps the same storage, so the caller's wipe covers every byte read.
        content.removeLast(capacity - length)
        return content
    }
}
