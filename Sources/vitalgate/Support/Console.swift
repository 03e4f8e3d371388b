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

/// Gateway and device ids: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}` (safe in MQTT
/// topics, file names and JSON without escaping).
func isValidIdentifier(_ id: String) -> Bool {
    let bytes = Array(id.utf8)
    guard (1...64).contains(bytes.count) else { return false }
    func alnum(_ b: UInt8) -> Bool { (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) }
    return alnum(bytes[0]) && bytes.allSatisfy { alnum($0) || $0 == 46 || $0 == 95 || $0 == 45 }
}
