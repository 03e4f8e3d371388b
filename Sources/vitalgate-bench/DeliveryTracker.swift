import Threads
/// When each message of a `Load` was published and when it was delivered
/// (received by a subscriber, or committed and acknowledged by the agent).
/// Called from several threads; guarded by a lock.
final class DeliveryTracker: @unchecked Sendable {
    let load: Load
    private let lock = ConditionLock()
    private var index: [String: Int] = [:]
    private var published: [UInt64]
    private var delivered: [UInt64]
    private(set) var deliveredCount = 0
    private var published_ = 0
    private(set) var firstPublish: UInt64 = 0
    private(set) var lastDelivery: UInt64 = 0
    private(set) var firstDelivery: UInt64 = 0
    /// Gets the same publish times: a second view of delivery (e.g. commits seen in SQLite next to acks).
    let mirror: DeliveryTracker?

    init(load: Load, mirror: DeliveryTracker? = nil) {
        self.mirror = mirror
        self.load = load
        for (i, d) in load.devices.enumerated() { index[d] = i }
        published = Array(repeating: 0, count: load.total)
        delivered = Array(repeating: 0, count: load.total)
    }

    private func slot(device: Int, seq: UInt64) -> Int? {
        guard seq >= load.seqBase, seq < load.seqBase + UInt64(load.perDevice) else { return nil }
        return Int(seq - load.seqBase) * load.devices.count + device
    }

    func didPublish(_ k: Int, at nanos: UInt64) {
        mirror?.didPublish(k, at: nanos)
        lock.withLock {
            published[k] = nanos
            published_ += 1
            if firstPublish == 0 { firstPublish = nanos }
        }
    }

    /// Marks `device`'s seqs `first...last` delivered at `nanos` (first time counts).
    func didDeliver(device: String, seqs: ClosedRange<UInt64>, at nanos: UInt64) {
        lock.withLock {
            guard let d = index[device] else { return }
            let lo = max(seqs.lowerBound, load.seqBase)
            let hi = min(seqs.upperBound, load.seqBase + UInt64(load.perDevice) - 1)
            guard lo <= hi else { return }
            for seq in lo...hi {
                guard let s = slot(device: d, seq: seq), delivered[s] == 0 else { continue }
                delivered[s] = nanos
                deliveredCount += 1
                if firstDelivery == 0 { firstDelivery = nanos }
                lastDelivery = max(lastDelivery, nanos)
            }
        }
    }

    var isComplete: Bool { lock.withLock { deliveredCount == load.total } }
    var count: Int { lock.withLock { deliveredCount } }
    var publishedCount: Int { lock.withLock { published_ } }

    /// Publish-to-delivery latencies in milliseconds, sorted.
    func latenciesMillis() -> [Double] {
        lock.withLock {
            var out: [Double] = []
            out.reserveCapacity(deliveredCount)
            for s in 0..<published.count where delivered[s] != 0 && published[s] != 0 && delivered[s] >= published[s] {
                out.append(Double(delivered[s] - published[s]) / 1e6)
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
