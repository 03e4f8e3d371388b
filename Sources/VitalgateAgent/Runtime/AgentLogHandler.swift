#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The agent's log lines on stderr. Under systemd with stderr connected to
/// the journal (`JOURNAL_STREAM` names that stream: systemd.exec(5)), each
/// line starts with its syslog priority, `<3>` to `<7>` (sd-daemon(3)), and
/// carries no timestamp of its own, since the journal stamps every line; so
/// `journalctl -u vitalgate -p warning` shows warnings and worse. Elsewhere
/// (a terminal, a file) a line starts with its UTC time and level.
public struct AgentLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let journal: Bool

    public init(level: Logger.Level, journal: Bool) {
        logLevel = level
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var text = event.message.description
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if !all.isEmpty { text += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
        let line: String
        if journal {
            // Every physical line gets the prefix, or the journal files a continuation at the default priority.
            let prefix = "<\(Self.priority(event.level))>"
            line = text.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }.joined(separator: "\n") + "\n"
        } else {
            line = "\(Clock.iso8601(millis: Clock.nowMillis(), fraction: true)) \(event.level) \(text)\n"
        }
        var bytes = Array(line.utf8)
        var offset = 0
        // One write(2) per line in the common case, so lines from threads don't interleave.
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                return
            }
            offset += n
        }
        bytes.removeAll()
    }

    /// syslog(3) priorities: swift-log has no `alert`/`emerg`; `notice` is its own.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// True when `journalStream` (`JOURNAL_STREAM`, "device:inode") names the
    /// file behind fd 2: then stderr is the journal, not a terminal or a file
    /// the output was redirected to by someone else.
    public static func stderrIsJournal(_ journalStream: String?) -> Bool {
        guard let journalStream, let colon = journalStream.firstIndex(of: ":"),
              let device = UInt64(journalStream[..<colon]),
              let inode = UInt64(journalStream[journalStream.index(after: colon)...]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
