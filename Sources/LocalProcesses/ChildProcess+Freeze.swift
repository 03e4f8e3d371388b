import Glibc

extension ChildProcess {
    /// Sends SIGSTOP and waits until every thread of the process is stopped
    /// (state `T` in /proc/<pid>/task/<tid>/stat, proc(5)). kill(2) only
    /// queues the signal: on a busy machine a request sent right after it
    /// could still be answered by a thread not yet stopped. Returns false if
    /// the process did not stop within `timeout` seconds.
    @discardableResult
    public func freeze(timeout: Double = 10) -> Bool {
        send(SIGSTOP)
        var left = timeout
        while left > 0 {
            if let states = threadStates(), !states.isEmpty, states.allSatisfy({ $0 == UInt8(ascii: "T") }) { return true }
            usleep(5_000)
            left -= 0.005
        }
        return false
    }

    /// SIGCONT.
    public func thaw() { send(SIGCONT) }

    /// The state letter of each thread, or nil if /proc cannot be read.
    private func threadStates() -> [UInt8]? {
        guard let dir = opendir("/proc/\(pid)/task") else { return nil }
        defer { closedir(dir) }
        var states: [UInt8] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let first = name.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { continue }
            guard let stat = Self.readFile("/proc/\(pid)/task/\(name)/stat"),
                  let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count else { continue }
            states.append(stat[close + 2])  // "pid (comm) S ..."
        }
        return states
    }
}
