/// Builds a file in the Prometheus text exposition format (version 0.0.4),
/// as node_exporter's textfile collector reads it: for each metric family
/// one `# HELP` and one `# TYPE` line, then its samples. Names follow the
/// Prometheus conventions: base units (seconds, bytes), `_total` for
/// counters, `_timestamp_seconds` for times, labels for dimensions.
public struct PrometheusText: Sendable {
    public private(set) var text = ""

    public init() {}

    public typealias Labels = [(String, String)]

    public mutating func gauge(_ name: String, _ help: String, _ samples: [(Labels, Double)]) {
        family(name, help, "gauge", samples)
    }

    public mutating func gauge(_ name: String, _ help: String, _ value: Double) {
        family(name, help, "gauge", [([], value)])
    }

    /// `name` must end in `_total`.
    public mutating func counter(_ name: String, _ help: String, _ samples: [(Labels, Double)]) {
        precondition(name.hasSuffix("_total"), "a counter's name ends in _total")
        family(name, help, "counter", samples)
    }

    public mutating func histogram(_ name: String, _ help: String, _ h: Histogram.Snapshot) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative: UInt64 = 0
        for (bound, count) in zip(h.bounds, h.counts) {
            cumulative += count
            text += "\(name)_bucket{le=\"\(Self.number(bound))\"} \(cumulative)\n"
        }
        text += "\(name)_bucket{le=\"+Inf\"} \(h.count)\n"
        text += "\(name)_sum \(Self.number(h.sum))\n\(name)_count \(h.count)\n"
    }

    private mutating func family(_ name: String, _ help: String, _ type: String, _ samples: [(Labels, Double)]) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for (labels, value) in samples {
            text += name
            if !labels.isEmpty {
                text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
            }
            text += " \(Self.number(value))\n"
        }
    }

    /// Label values escape backslash, double quote and line feed.
    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// Integers without a fraction (counts and millisecond times stay exact).
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 9e15 { return String(Int64(v)) }
        return String(v)
    }
}

/// A latency histogram with fixed bucket bounds, in seconds (Prometheus
/// histograms are cumulative; this keeps per-bucket counts and the exposition sums them).
public struct Histogram: Sendable {
    public struct Snapshot: Sendable {
        public let bounds: [Double]
        public let counts: [UInt64]
        public let count: UInt64
        public let sum: Double
    }

    /// 0.5 ms to 10 s: a durable group commit on an SD card takes a few ms, a stalled one seconds.
    public static let commitBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    let bounds: [Double]
    private var counts: [UInt64]
    private var count: UInt64 = 0
    private var sum = 0.0

    public init(bounds: [Double] = Histogram.commitBounds) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count)
    }

    public mutating func observe(_ seconds: Double) {
        count += 1
        sum += seconds
        if let i = bounds.firstIndex(where: { seconds <= $0 }) { counts[i] += 1 }
    }

    public var snapshot: Snapshot { Snapshot(bounds: bounds, counts: counts, count: count, sum: sum) }
}
