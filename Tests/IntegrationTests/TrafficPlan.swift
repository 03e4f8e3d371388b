import Foundation
import Vitals

/// One message a test publishes, and what the agent must make of it.
struct PlannedMessage {
    enum Expect: Equatable { case stored, rejected(String) }
    let topic: String
    let payload: [UInt8]
    let expect: Expect
    let device: String
    let seq: Int64?
    var boot: Int64 = 0
}

/// Valid readings from enrolled devices mixed with invalid messages of every
/// kind the end-to-end path must reject, each with the reason it must get.
enum TrafficPlan {
    static let profiles = ["pulse-oximeter", "blood-pressure-cuff", "thermometer", "smartwatch"]

    static func values(for profile: String, _ i: Int) -> String {
        switch profile {
        case "pulse-oximeter": return "\"spo2\":\(94 + i % 6),\"hr\":\(60 + i % 40)"
        case "blood-pressure-cuff": return "\"sys\":\(110 + i % 30),\"dia\":\(70 + i % 15),\"hr\":\(60 + i % 30)"
        case "thermometer": return "\"temp\":36.\(i % 10)"
        default: return "\"hr\":\(60 + i % 40),\"rr\":\(12 + i % 8),\"spo2\":\(95 + i % 5)"
        }
    }

    static func reading(_ device: String, _ profile: String, seq: Int64, ts: Int64, _ i: Int) -> [UInt8] {
        Array("{\"device\":\"\(device)\",\"seq\":\(seq),\"ts\":\(ts),\(values(for: profile, i))}".utf8)
    }

    /// `perDevice` valid readings for each device, interleaved, with invalid
    /// messages spread through them (`invalidRounds` of each kind).
    static func make(devices: [(String, String)], revoked: String, perDevice: Int, invalidRounds: Int, now: Int64) -> [PlannedMessage] {
        var valid: [PlannedMessage] = []
        for i in 0..<perDevice {
            for (d, p) in devices {
                valid.append(PlannedMessage(topic: "vitals/\(d)", payload: reading(d, p, seq: Int64(i + 1), ts: now - Int64(perDevice - i) * 10, i),
                                            expect: .stored, device: d, seq: Int64(i + 1)))
            }
        }
        var invalid: [PlannedMessage] = []
        let (d0, p0) = devices[0]
        let (d1, _) = devices[1]
        for r in 0..<invalidRounds {
            let seq = Int64(r + 1)
            func bad(_ topic: String, _ text: String, _ reason: String) {
                invalid.append(PlannedMessage(topic: topic, payload: Array(text.utf8), expect: .rejected(reason), device: d0, seq: nil))
            }
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(seq),", "invalid_json")
            invalid.append(PlannedMessage(topic: "vitals/\(d0)", payload: [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d], expect: .rejected("invalid_utf8"), device: d0, seq: nil))
            bad("vitals/\(d0)", "[1,2,3]", "not_an_object")
            bad("vitals/ghost-\(r)", "{\"device\":\"ghost-\(r)\",\"seq\":1,\"ts\":\(now),\"hr\":70}", "unknown_device")
            bad("vitals/\(revoked)", "{\"device\":\"\(revoked)\",\"seq\":\(seq),\"ts\":\(now),\"temp\":36.6}", "revoked_device")
            bad("vitals/\(d0)", "{\"device\":\"\(d1)\",\"seq\":\(seq),\"ts\":\(now),\(values(for: p0, r))}", "device_mismatch")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":-\(seq),\"ts\":\(now),\(values(for: p0, r))}", "invalid_seq")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(900_000 + seq),\"ts\":\(now),\"spo2\":150,\"hr\":70}", "out_of_range")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(900_000 + seq),\"ts\":\(now),\(values(for: p0, r)),\"glucose\":5}", "unknown_metric")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(900_000 + seq),\"ts\":1000,\(values(for: p0, r))}", "ts_out_of_window")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"ts\":\(now),\(values(for: p0, r))}", "missing_field")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\"\(seq)\",\"ts\":\(now),\(values(for: p0, r))}", "wrong_type")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(seq),\"ts\":\(now),\"pad\":\"" + String(repeating: "x", count: 5000) + "\"}", "payload_too_large")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(seq),\"ts\":\(now),\"spo2\":NaN,\"hr\":70}", "invalid_json")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(seq),\"ts\":\(now),\"spo2\":1e400,\"hr\":70}", "out_of_range")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(seq),\"ts\":\(now),\"spo2\":-97,\"hr\":70}", "out_of_range")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(seq).5,\"ts\":\(now),\(values(for: p0, r))}", "invalid_seq")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(900_000 + seq),\"ts\":\(now + 3_600_000),\(values(for: p0, r))}", "ts_out_of_window")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(900_000 + seq),\"ts\":\(now),\"type\":\"x\",\(values(for: p0, r))}", "unexpected_field")
            bad("vitals/\(d0)", "[{\"bn\":\"\(d0)/\",\"n\":\"spo2\",\"u\":\"Cel\",\"v\":97},{\"n\":\"hr\",\"v\":70},{\"n\":\"seq\",\"v\":\(900_000 + seq)}]", "unit_mismatch")
            bad("vitals/\(d0)", "[{\"bn\":\"\(d0)/\",\"n\":\"spo2\",\"v\":97},{\"n\":\"seq\",\"v\":\(900_000 + seq)}]", "missing_metric")
            bad("vitals/-bad\(r)", "{}", "bad_topic")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"boot\":-\(seq),\"seq\":\(seq),\"ts\":\(now),\(values(for: p0, r))}", "invalid_boot")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(900_000 + seq),\"ts\":\(now).5,\(values(for: p0, r))}", "invalid_ts")
            bad("vitals/\(d0)", "{\"device\":\"\(d0)\",\"seq\":\(900_000 + seq),\"ts\":\(now)}", "no_metrics")
        }
        // SenML readings (RFC 8428) from the first device, as boot 1 so their seqs are their own.
        if p0 == "pulse-oximeter" {
            for i in 1...50 {
                let text = "[{\"bn\":\"\(d0)/\",\"bt\":\(Double(now - Int64(i) * 1000) / 1000),\"n\":\"spo2\",\"u\":\"%\",\"v\":\(95 + i % 5)},{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":\(60 + i)},{\"n\":\"seq\",\"v\":\(i)},{\"n\":\"boot\",\"v\":1}]"
                valid.append(PlannedMessage(topic: "vitals/\(d0)", payload: Array(text.utf8), expect: .stored, device: d0, seq: Int64(i), boot: 1))
            }
        }
        // Interleave: an invalid message after every k valid ones.
        let k = max(1, valid.count / max(1, invalid.count))
        var out: [PlannedMessage] = []
        out.reserveCapacity(valid.count + invalid.count + 2 * invalidRounds)
        var inv = invalid.makeIterator()
        for (i, m) in valid.enumerated() {
            out.append(m)
            if i % k == k - 1, let b = inv.next() { out.append(b) }
        }
        while let b = inv.next() { out.append(b) }
        // Resends of stored readings: the same bytes are duplicates, other content is a conflict.
        for r in 0..<invalidRounds {
            let m = valid[r * 7 % valid.count]
            out.append(PlannedMessage(topic: m.topic, payload: m.payload, expect: .rejected("duplicate"), device: m.device, seq: m.seq))
            let p = devices.first { $0.0 == m.device }!.1
            let other = reading(m.device, p, seq: m.seq!, ts: now - 5, 3 + Int(m.seq!))
            out.append(PlannedMessage(topic: m.topic, payload: other, expect: .rejected(other == m.payload ? "duplicate" : "conflict"), device: m.device, seq: m.seq))
        }
        return out
    }
}
