#if canImport(Glibc)
import Glibc
#endif
import FileIO

/// Where the passphrase of a sealed key file comes from. Each function
/// returns the passphrase's bytes (without the line end); the caller wipes
/// them with `sodiumZero` after use.
public enum PassphraseSource {
    /// The longest passphrase accepted, in bytes.
    public static let maximumLength = 1024

    /// The first line of the file at `path` (a trailing `\r` is dropped too).
    /// Refuses a file group or others can read or write
    /// (`mode & 0o077 != 0`): its passphrase may already be known.
    public static func readFile(_ path: String) throws(PassphraseError) -> [UInt8] {
        let fd = try PrivateFile.open(path, as: PassphraseError.self)
        defer { close(fd) }
        return try readLine(fd, source: "passphrase file \(path)", path: path)
    }

    /// One line typed on `terminal` (the controlling terminal by default)
    /// after writing `message` there, with echo off (termios `ECHO` cleared,
    /// restored afterwards) so the passphrase is not shown. Throws
    /// `.noTerminal` when there is none, as under systemd.
    public static func prompt(_ message: String, terminal: String = "/dev/tty") throws(PassphraseError) -> [UInt8] {
        // O_NOCTTY: prompting must not make this terminal our controlling one.
        let fd = open(terminal, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw .noTerminal(path: terminal, errno: errno) }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { throw .noTerminal(path: terminal, errno: errno) }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO | ECHOE | ECHOK | ECHONL)
        // TCSAFLUSH also drops anything typed before echo went off, as getpass(3) does.
        guard tcsetattr(fd, TCSAFLUSH, &quiet) == 0 else { throw .systemCall(path: terminal, call: "tcsetattr", errno: errno) }
        defer { _ = tcsetattr(fd, TCSANOW, &saved) }
        let prompt = Array(message.utf8)
        _ = prompt.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        defer { _ = write(fd, "\n", 1) }  // the Enter key was not echoed
        return try readLine(fd, source: "the terminal", path: terminal)
    }

    /// Bytes up to the first newline (or end of file), without it and
    /// without a `\r` before it. Non-empty, at most `maximumLength` bytes.
    private static func readLine(_ fd: Int32, source: String, path: String) throws(PassphraseError) -> [UInt8] {
        // Fixed storage, read into in place, so wiping it covers every copy.
        var buffer = [UInt8](repeating: 0, count: maximumLength + 2)
        let length: Int
        do {
            length = try Files.readAll(fd, into: &buffer, path: path, untilNewline: true)
        } catch {
            sodiumZero(&buffer)
            throw .systemCall(path: path, call: error.call, errno: error.errno)
        }
        var end = buffer[..<length].firstIndex(of: UInt8(ascii: "\n")) ?? length
        if end > 0 && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard end > 0, end <= maximumLength else {
            sodiumZero(&buffer)
            throw end == 0 ? .empty(source: source) : .tooLong(source: source)
        }
        let line = Array(buffer[..<end])
        sodiumZero(&buffer)
        return line
    }
}

/// Why a passphrase could not be obtained; each message says what to fix.
public enum PassphraseError: Error, Equatable, CustomStringConvertible {
    /// The passphrase file is readable or writable by group or others.
    case permissionsTooOpen(path: String, mode: UInt32)
    /// The passphrase file is a directory, device, FIFO, ...
    case notARegularFile(path: String)
    /// The first line of the file, or the typed line, is empty.
    case empty(source: String)
    /// The line is longer than `PassphraseSource.maximumLength` bytes.
    case tooLong(source: String)
    /// There is no terminal to prompt on (`open` or `tcgetattr` failed).
    case noTerminal(path: String, errno: Int32)
    /// A system call failed with `errno`.
    case systemCall(path: String, call: String, errno: Int32)

    // Table-like data (duplicates): one operator-facing message a case, which tests check; no logic to share.
    public var description: String {
        switch self {
        case let .permissionsTooOpen(path, mode):
            "passphrase file \(path) has mode 0\(String(mode, radix: 8)), so group or others may read it; "
                + "run `chmod 600 \(path)` (and change the passphrase if others could read it)"
        case let .notARegularFile(path):
            "passphrase file \(path) is not a regular file"
        case let .empty(source):
            "the passphrase from \(source) is empty"
        case let .tooLong(source):
            "the passphrase from \(source) is longer than \(PassphraseSource.maximumLength) bytes"
        case let .noTerminal(path, code):
            "cannot prompt for the passphrase: \(path) is not a usable terminal (\(String(cString: strerror(code)))); "
                + "run interactively, or give a passphrase file"
        case let .systemCall(path, call, code):
            "\(call) failed for \(path): \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}
