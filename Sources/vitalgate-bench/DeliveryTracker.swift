import Threads
/// When each message of a `Load` was published and when it was delivered
/// (received by a subscriber, or committed and acknowledged by the agent).
/// Called from several threads.
final class DeliveryTracker: Sendable {
    let load: Load
    private let index: [String: Int]
    private struct Times {
        var published: [UInt64]
        var delivered: [UInt64]
        var deliveredCount = 0
        var publishedCount = 0
        var firstPublish: UInt64 = 0
        var lastDelivery: UInt64 = 0
        var firstDelivery: UInt64 = 0
    }
    private let times: LockedBox<Times>
    /// Gets the same publish times: a second view of delivery (e.g. commits seen in SQLite next to acks).
    let mirror: DeliveryTracker?

    init(load: Load, mirror: DeliveryTracker? = nil) {
        self.mirror = mirror
        self.load = load
        var index: [String: Int] = [:]
        for (i, d) in load.devices.enumerated() { index[d] = i }
        self.index = index
        times = LockedBox(Times(published: Array(repeating: 0, count: load.total), delivered: Array(repeating: 0, count: load.total)))
    }

    var firstPublish: UInt64 { times.withLock { $0.firstPublish } }
    var firstDelivery: UInt64 { times.withLock { $0.firstDelivery } }
    var lastDelivery: UInt64 { times.withLock { $0.lastDelivery } }

    private func slot(device: Int, seq: UInt64) -> Int? {
        guard seq >= load.seqBase, seq < load.seqBase + UInt64(load.perDevice) else { return nil }
        return Int(seq - load.seqBase) * load.devices.count + device
    }

    func didPublish(_ k: Int, at nanos: UInt64) {
        mirror?.didPublish(k, at: nanos)
        times.withLock { t in
            t.published[k] = nanos
            t.publishedCount += 1
            if t.firstPublish == 0 { t.firstPublish = nanos }
        }
    }

    /// Marks `device`'s seqs `first...last` delivered at `nanos` (first time counts).
    func didDeliver(device: String, seqs: ClosedRange<UInt64>, at nanos: UInt64) {
        guard let d = index[device] else { return }
        let lo = max(seqs.lowerBound, load.seqBase)
        let hi = min(seqs.upperBound, load.seqBase + UInt64(load.perDevice) - 1)
        guard lo <= hi else { return }
        times.withLock { t in
            for seq in lo...hi {
                guard let s = slot(device: d, seq: seq), t.delivered[s] == 0 else { continue }
                t.delivered[s] = nanos
                t.deliveredCount += 1
                if t.firstDelivery == 0 { t.firstDelivery = nanos }
                t.lastDelivery = max(t.lastDelivery, nanos)
            }
        }
    }

    var isComplete: Bool { times.withLock { $0.deliveredCount == load.total } }
    var count: Int { times.withLock { $0.deliveredCount } }
    var publishedCount: Int { times.withLock { $0.publishedCount } }

    /// Publish-to-delivery latencies in milliseconds, sorted.
    func latenciesMillis() -> [Double] {
        times.withLock { t in
            var out: [Double] = []
            out.reserveCapacity(t.deliveredCount)
            for s in 0..<t.published.count where t.delivered[s] != 0 && t.published[s] != 0 && t.delivered[s] >= t.published[s] {
                out.append(Double(t.delivered[s] - t.published[s]) / 1e6)
            }
            return out.sorted()
        }
    }
}

/// The value at quantile `q` (0...1) of sorted `values` (nearest rank).
func quantile(_ values: [Double], _ q: Double) -> Double? {
    guard !values.isEmpty else { return nil }
    let rank = Int((q * Double(values.count)).rounded(.up)) - 1
    return values[min(values.count - 1, max(0, rank))]
}
