#if canImport(Glibc)
import Glibc
#endif

/// How much of the card the gateway may use, and for how long it keeps
/// readings (docs/storage.md): `retain_days`, `storage_budget`, `archive_dir`,
/// `commit_window`.
public struct StorageSettings: Sendable, Equatable {
    /// A reading's payload is kept at least this long (ms) unless the budget needs the room.
    public var retainMillis: Int64
    public var budget: Budget
    /// The archive folder for full tiles of the log's hashes; nil: none.
    public var archiveDirectory: String?
    /// Under steady load, how long (s) the oldest reading of a commit may wait for it.
    public var commitWindow: Double

    public enum Budget: Sendable, Equatable {
        case bytes(Int64)
        /// A share (0 < s <= 1) of the size of the filesystem that holds the database.
        case share(Double)
    }

    public static let defaults = StorageSettings(retainMillis: 30 * 86_400_000, budget: .share(0.5), archiveDirectory: nil, commitWindow: 0.2)

    public init(retainMillis: Int64, budget: Budget, archiveDirectory: String?, commitWindow: Double) {
        self.retainMillis = retainMillis
        self.budget = budget
        self.archiveDirectory = archiveDirectory
        self.commitWindow = commitWindow
    }

    /// From the settings' text values (`value` resolves a key as `AgentConfig` does).
    init(value: (String) -> String?) throws {
        guard let days = Double(value("retain_days") ?? ""), days >= 0, days <= 36_500 else {
            throw AgentConfig.Invalid("retain_days must be a number of days within 0...36500, got `\(value("retain_days") ?? "")`")
        }
        retainMillis = Int64(days * 86_400_000)
        budget = try Self.parseBudget(value("storage_budget") ?? "")
        archiveDirectory = value("archive_dir")
        guard let window = Double(value("commit_window") ?? ""), window >= 0, window <= 2 else {
            throw AgentConfig.Invalid("commit_window must be within 0...2 seconds, got `\(value("commit_window") ?? "")`")
        }
        commitWindow = window
    }

    /// `50%` (of the filesystem), `800M`, `20G`, `1T` (K, M, G, T are powers of 1024), or a bare
    /// number of MiB: what `storage_budget` meant before issue 14 (issue 15 released it in MiB).
    public static func parseBudget(_ text: String) throws -> Budget {
        let invalid = AgentConfig.Invalid("storage_budget must be a share of the filesystem (`50%`), a size (`800M`, `20G`) or MiB (`800`), got `\(text)`")
        if text.hasSuffix("%") {
            guard let percent = Double(text.dropLast()), percent > 0, percent <= 100 else { throw invalid }
            return .share(percent / 100)
        }
        let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var number = Substring(text), scale: Int64 = 1 << 20
        if let last = text.last?.uppercased().first, let unit = units[last] {
            number = text.dropLast()
            scale = unit
        }
        guard let value = Double(number), value >= 1 else { throw invalid }
        return .bytes(Int64(value * Double(scale)))
    }

    /// The budget in bytes for a database at `path` (a share is of its filesystem's size).
    public func budgetBytes(databasePath path: String) -> Int64 {
        switch budget {
        case .bytes(let n):
            return n
        case .share(let share):
            var info = statvfs()
            let folder = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
            guard statvfs(folder.isEmpty ? "." : folder, &info) == 0 else { return Int64.max }
            return Int64(Double(info.f_blocks) * Double(info.f_frsize) * share)
        }
    }
}
