import Vitals
import SQLiteStore

/// Enrolment state of devices, reloaded from the database when a device
/// not in the cache turns out to have a row (a one-row lookup per message
/// from an unknown ID, so a flood of made-up IDs costs no reloads) and every
/// 10 s, so `device add` takes effect at its device's first message and
/// `device revoke` within 10 s while the agent runs. Each reload is handed
/// to `onReload` (the network thread's snapshot).
struct DeviceCache {
    let table: DeviceTable
    let onReload: ([String: DeviceStatus]) -> Void
    var statuses: [String: DeviceStatus] = [:]
    var loadedAt: Int64 = 0

    init(table: DeviceTable, onReload: @escaping ([String: DeviceStatus]) -> Void) {
        self.table = table
        self.onReload = onReload
    }

    mutating func reload() throws {
        statuses = try table.statuses()
        loadedAt = WallClock.nowMillis()
        onReload(statuses)
    }

    mutating func refreshIfStale(now: Int64) throws {
        if now - loadedAt >= 10_000 { try reload() }
    }

    mutating func status(_ id: String, now: Int64) -> DeviceStatus {
        if let s = statuses[id] { return s }
        if (try? table.exists(id)) == true { try? reload() }
        return statuses[id] ?? .unknown
    }
}
