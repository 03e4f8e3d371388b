#if canImport(Glibc)
import Glibc
#endif
import VitalgateAgent

/// What an all-or-nothing `provision` needs: a prepared folder's entries
/// renamed into place (undone if one rename fails), and the folder removed.
extension Files {
    /// Renames `from/<name>` to `into/<name>` for each name in `order` that
    /// exists in `from`. If one rename fails, those done are renamed back.
    static func moveEntries(of from: String, into: String, order: [String]) throws {
        var moved: [String] = []
        for name in order where exists(from + "/" + name) {
            guard rename(from + "/" + name, into + "/" + name) == 0 else {
                let reason = String(cString: strerror(errno))
                for done in moved.reversed() { rename(into + "/" + done, from + "/" + done) }
                throw CLIError("cannot move \(name) into \(into): \(reason)")
            }
            moved.append(name)
        }
        let fd = open(into, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// Removes `path` and everything under it (symbolic links are removed, not followed).
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in (try? list(path)) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
