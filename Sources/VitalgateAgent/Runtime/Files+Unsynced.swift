#if canImport(Glibc)
import Glibc
#endif

extension Files {
    /// Replaces `path` by renaming a new file over it, without fsync: for
    /// files that are rewritten every few seconds and only describe the
    /// present (the live status, the metrics file), where syncing would
    /// only wear an SD card. Readers see the old content or the new, never
    /// a mixture; after a power cut the file may be old or empty, which its
    /// readers treat as stale.
    public static func replaceUnsynced(_ bytes: [UInt8], at path: String, mode: mode_t) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw Failure(description: "cannot write \(temporary): \(reason)")
            }
            offset += n
        }
        // The umask may have narrowed the mode; the reader (node_exporter) is another user.
        fchmod(fd, mode)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot replace \(path): \(reason)")
        }
    }
}
