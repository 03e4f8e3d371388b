import FileIO
#if canImport(Glibc)
import Glibc
#endif

/// Writes to stdout and stderr through file descriptors 1 and 2: the C
/// globals `stdout`/`stderr` are not concurrency-safe in Swift 6.
enum Console {
    static func out(_ text: String) { write(1, text + "\n") }
    static func err(_ text: String) { write(2, text + "\n") }

    private static func write(_ fd: Int32, _ text: String) {
        // A closed stdout or stderr has no one to tell.
        try? Files.writeAll(fd, Array(text.utf8), path: fd == 1 ? "standard output" : "standard error")
    }
}

/// An error the command line reports as `Error: <description>` with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
