import Vitals

/// Plausible values for a simulated device: each metric wanders (a bounded
/// random walk) inside a normal adult range chosen by its LOINC code.
struct VitalsGenerator {
    let device: String
    let profile: DeviceProfile
    var current: [String: Double] = [:]

    /// (low, high, decimals) of a resting adult, by LOINC code.
    static let normal: [String: (Double, Double, Int)] = [
        "2708-6": (94, 99, 0),     // oxygen saturation, %
        "8867-4": (58, 95, 0),     // heart rate, /min
        "9279-1": (12, 19, 0),     // respiratory rate, /min
        "8310-5": (36.3, 37.4, 1), // body temperature, Cel
        "8480-6": (108, 135, 0),   // systolic, mm[Hg]
        "8462-4": (66, 86, 0),     // diastolic, mm[Hg]
    ]

    init(device: String, profile: DeviceProfile) {
        self.device = device
        self.profile = profile
        for m in profile.metrics {
            let (lo, hi, _) = Self.normal[m.loinc] ?? (m.min.double, m.max.double, 0)
            current[m.key] = (lo + hi) / 2
        }
    }

    mutating func payload(boot: UInt32, seq: UInt64, ts: Int64) -> String {
        var fields = ["\"device\":\"\(device)\"", "\"boot\":\(boot)", "\"seq\":\(seq)", "\"ts\":\(ts)"]
        for m in profile.metrics {
            let (lo, hi, decimals) = Self.normal[m.loinc] ?? (m.min.double, m.max.double, 0)
            var v = current[m.key]! + Double.random(in: -1...1) * (hi - lo) / 20
            v = min(hi, max(lo, v))
            current[m.key] = v
            fields.append("\"\(m.key)\":\(format(v, decimals))")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Malformed or implausible messages of several kinds, for demos of rejection.
    func invalidPayload(seq: UInt64, variant: Int) -> String {
        let key = profile.metrics.first?.key ?? "hr"
        switch variant % 4 {
        case 0: return "{\"device\":\"\(device)\",\"seq\":\(seq),\"ts\":0,\"\(key)\":1}"          // ts far in the past
        case 1: return "{\"device\":\"\(device)\",\"seq\":\(seq),"                                 // truncated JSON
        case 2: return "{\"device\":\"\(device)\",\"seq\":-1,\"ts\":1,\"\(key)\":1}"               // negative seq
        default: return "{\"device\":\"\(device)\",\"seq\":\(seq),\"ts\":1,\"\(key)\":99999}"     // out of range
        }
    }

    func format(_ v: Double, _ decimals: Int) -> String {
        if decimals == 0 { return String(Int(v.rounded())) }
        let scaled = Int((v * 10).rounded())
        return "\(scaled / 10).\(abs(scaled % 10))"
    }
}
