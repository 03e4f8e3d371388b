#if canImport(Glibc)
import Glibc
#endif
import FileIO

/// The gateway clock, as the kernel sees it. A Raspberry Pi has no
/// real-time clock: until NTP has set the time it may be days or years
/// off, and readings outside `max_future_skew`/`max_past_skew` of it are
/// rejected. adjtimex(2) with no modes only reads; an NTP daemon
/// (systemd-timesyncd, chrony) clears STA_UNSYNC once it has synchronised.
public struct ClockCheck: Sendable {
    /// No gateway clock should read earlier than this (2025-01-01): a time
    /// before it is a Pi that booted without network time.
    static let plausibleFloorMillis: Int64 = 1_735_689_600_000

    public let synchronised: Bool
    /// The kernel's estimated error, in microseconds, when synchronised.
    public let estimatedErrorMicros: Int
    public let nowMillis: Int64

    public static func read() -> ClockCheck {
        let now = WallClock.nowMillis()
        guard let (rc, status, esterror) = adjtimex() else {
            return ClockCheck(synchronised: false, estimatedErrorMicros: 0, nowMillis: now)
        }
        let unsynced = rc == timeError || rc < 0 || status & staUnsync != 0
        return ClockCheck(synchronised: !unsynced, estimatedErrorMicros: esterror, nowMillis: now)
    }

    // <sys/timex.h> is not part of Swift's Glibc module: adjtimex(2) is
    // looked up in libc and given a zeroed `struct timex` (modes 0: read
    // only). Its layout on 64-bit Linux (bits/timex.h): esterror, a long,
    // at offset 32; status, an int, at 40; 208 bytes in all.
    static let timeError: Int32 = 5          // TIME_ERROR: the clock is not synchronised
    static let staUnsync: Int32 = 0x0040     // STA_UNSYNC

    private typealias AdjtimexFunction = @convention(c) (UnsafeMutableRawPointer) -> Int32

    static func adjtimex() -> (rc: Int32, status: Int32, esterror: Int)? {
        guard MemoryLayout<Int>.size == 8, let symbol = dlsym(nil, "adjtimex") else { return nil }
        let call = unsafeBitCast(symbol, to: AdjtimexFunction.self)
        var buffer = [UInt8](repeating: 0, count: 256)
        return buffer.withUnsafeMutableBytes { raw in
            let rc = call(raw.baseAddress!)
            return (rc, raw.load(fromByteOffset: 40, as: Int32.self), raw.load(fromByteOffset: 32, as: Int.self))
        }
    }

    /// The clock's part state; `required`: the `clock_sync_required` setting.
    public func state(required: Bool, since: Int64) -> PartState {
        if nowMillis < Self.plausibleFloorMillis {
            return PartState(.critical, "not set",
                             "the clock says \(WallClock.iso8601(millis: nowMillis)); readings are rejected until NTP sets it", since: since)
        }
        if synchronised {
            return PartState(.ok, "synchronised", "estimated error \(estimatedErrorMicros / 1000) ms", since: since)
        }
        if required {
            return PartState(.warning, "not synchronised",
                             "the kernel reports no NTP synchronisation; readings outside max_future_skew/max_past_skew of this clock are rejected",
                             since: since)
        }
        return PartState(.ok, "not synchronised", "not required (clock_sync_required = false)", since: since)
    }
}

/// The database's size on disk and the room left on its filesystem, and
/// what the storage service (issue 14, docs/storage.md) last found.
public struct StorageCheck: Sendable {
    /// The database with its -wal and -shm, in bytes, less the free pages
    /// pruning left in the file (new rows reuse them, so they are room, not use).
    public let usedBytes: Int64
    /// Free bytes for an unprivileged writer (statvfs f_bavail).
    public let freeBytes: Int64
    /// The filesystem's size.
    public let filesystemBytes: Int64
    /// `storage_budget` in bytes, or nil: then the budget is what the database has plus what is free.
    public let configuredBudget: Int64?
    /// What holds the budget when the storage service could not prune below
    /// it (readings not yet delivered or anchored); nil while it can.
    public var blockedBy: String?
    /// The budget is reached and nothing may go: ingest holds (no acks).
    public var full = false
    /// A problem of the last storage pass that does not stop ingest (the archive folder).
    public var note: String?

    public var budgetBytes: Int64 { configuredBudget ?? (usedBytes + freeBytes) }

    public init(usedBytes: Int64, freeBytes: Int64, filesystemBytes: Int64, configuredBudget: Int64?) {
        self.usedBytes = usedBytes
        self.freeBytes = freeBytes
        self.filesystemBytes = filesystemBytes
        self.configuredBudget = configuredBudget
    }

    /// - Parameter service: the storage service's last pass, when it has made one.
    public static func read(_ home: GatewayHome, budgetBytes: Int64?, service: StorageService.Facts? = nil) -> StorageCheck {
        var used: Int64 = 0
        for path in [home.database, home.database + "-wal", home.database + "-shm"] {
            used += Files.size(path) ?? 0
        }
        var fs = statvfs()
        let ok = statvfs(home.path, &fs) == 0
        var check = StorageCheck(usedBytes: max(0, used - (service?.freePageBytes ?? 0)),
                                 freeBytes: ok ? Int64(fs.f_bavail) * Int64(fs.f_frsize) : 0,
                                 filesystemBytes: ok ? Int64(fs.f_blocks) * Int64(fs.f_frsize) : 0,
                                 configuredBudget: budgetBytes)
        if let service, service.passes > 0 {
            check.blockedBy = service.blockedBy
            check.full = service.blockedBy != nil && service.usedBytes >= service.budgetBytes
            check.note = service.note
        }
        return check
    }

    /// Critical when the budget is reached and nothing may be pruned (ingest
    /// then holds its acks); a warning at 90% of the budget (the storage
    /// service prunes from 85%, so a gateway that can prune stays below),
    /// below 10% free on the filesystem, or when the archive fails. The
    /// critical case of a disk that cannot take writes is ingest's (paused).
    public func state(since: Int64) -> PartState {
        let text = "\(Self.bytes(usedBytes)) used" + (configuredBudget.map { " of a \(Self.bytes($0)) budget" } ?? "")
            + ", \(Self.bytes(freeBytes)) free on the filesystem"
        if full, let blockedBy {
            return PartState(.critical, "full", "\(text); the budget is reached and \(blockedBy) may not be pruned yet: ingest stops acknowledging until they may", since: since)
        }
        if let budget = configuredBudget, budget > 0, usedBytes * 10 >= budget * 9 {
            return PartState(.warning, "near budget", text + (blockedBy.map { "; \($0) may not be pruned yet" } ?? ""), since: since)
        }
        if filesystemBytes > 0 && freeBytes * 10 < filesystemBytes {
            return PartState(.warning, "filesystem nearly full", text, since: since)
        }
        if let note {
            return PartState(.warning, "archive failing", "\(text); \(note)", since: since)
        }
        return PartState(.ok, "ok", text, since: since)
    }

    /// `812 KiB`, `3.4 MiB`, `12.0 GiB`.
    public static func bytes(_ n: Int64) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(n) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return unit == 0 ? "\(tenths / 10) \(units[unit])" : "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
