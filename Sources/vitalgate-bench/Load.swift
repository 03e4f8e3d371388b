/// One benchmark load: `devices` devices, each publishing readings with
/// seqs `seqBase ..< seqBase + perDevice` (boot 0), round-robin.
struct Load: Sendable {
    let devices: [String]
    let perDevice: Int
    let seqBase: UInt64

    var total: Int { devices.count * perDevice }

    /// The k-th message of the load: device k mod D, its (k / D)-th reading.
    func message(_ k: Int) -> (device: Int, seq: UInt64) {
        (k % devices.count, seqBase + UInt64(k / devices.count))
    }

    /// A smartwatch reading (Devices/smartwatch.json: hr, rr, spo2), about
    /// 120 bytes with the bench's device ids, like the readings the issue measured.
    func payload(_ k: Int, ts: Int64) -> [UInt8] {
        let (d, seq) = message(k)
        let hr = 60 + k % 30, rr = 12 + k % 6, spo2 = 95 + k % 5
        return Array("{\"device\":\"\(devices[d])\",\"boot\":0,\"seq\":\(seq),\"ts\":\(ts),\"hr\":\(hr),\"rr\":\(rr),\"spo2\":\(spo2)}".utf8)
    }

    /// The bench's device ids: long enough that readings are ~120 bytes.
    static func deviceIDs(_ count: Int) -> [String] {
        (0..<count).map { i in
            let n = String(i)
            return "ward3-bed-watch-" + String(repeating: "0", count: max(0, 4 - n.count)) + n
        }
    }
}
