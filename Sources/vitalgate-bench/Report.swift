import JSON

/// The results: an ordered table for the terminal and the same rows, the
/// machine and the goals as JSON (bench-results/bench.json).
final class Report {
    struct Row {
        let key: String
        let label: String
        let value: Double?
        let unit: String
        let note: String
    }

    struct Goal {
        let name: String
        let target: String
        let measured: String
        let met: Bool?
    }

    private(set) var rows: [Row] = []
    private(set) var goals: [Goal] = []
    var machine: [(String, String)] = []
    var config: [(String, String)] = []

    func add(_ key: String, _ label: String, _ value: Double?, _ unit: String, note: String = "") {
        rows.append(Row(key: key, label: label, value: value, unit: unit, note: note))
        print("  " + pad(label, 58) + pad(value.map { format($0) } ?? "n/a", 12) + pad(unit, 10) + note)
    }

    func value(_ key: String) -> Double? { rows.first { $0.key == key }?.value }

    /// A goal met when `check(measured)` holds; unknown when not measured.
    func goal(_ name: String, target: String, key: String, unit: String, _ check: (Double) -> Bool) {
        let v = value(key)
        goals.append(Goal(name: name, target: target, measured: v.map { format($0) + " " + unit } ?? "not measured", met: v.map(check)))
    }

    func printGoals() {
        print("\nGoals (issues 7 and 14)")
        for g in goals {
            let verdict = g.met.map { $0 ? "MET" : "MISSED" } ?? "n/a"
            print("  " + pad(g.name, 44) + pad(g.target, 16) + pad(g.measured, 20) + verdict)
        }
    }

    var json: JSONValue {
        func object(_ pairs: [(String, String)]) -> JSONValue {
            .object(JSONObject(pairs.map { (key: $0.0, value: .string($0.1)) }))
        }
        let results = rows.map { row -> (key: String, value: JSONValue) in
            (key: row.key, value: .object(JSONObject([
                (key: "label", value: .string(row.label)),
                (key: "value", value: row.value.map { .number(JSONNumber(validatedText: format($0, plain: true))) } ?? .null),
                (key: "unit", value: .string(row.unit)),
                (key: "note", value: .string(row.note)),
            ])))
        }
        let goalValues = goals.map { g -> JSONValue in
            .object(JSONObject([
                (key: "goal", value: .string(g.name)), (key: "target", value: .string(g.target)),
                (key: "measured", value: .string(g.measured)), (key: "met", value: g.met.map { .bool($0) } ?? .null),
            ]))
        }
        return .object(JSONObject([
            (key: "machine", value: object(machine)),
            (key: "config", value: object(config)),
            (key: "results", value: .object(JSONObject(results))),
            (key: "goals", value: .array(goalValues)),
        ]))
    }
}

/// Three significant digits or so; `plain` for JSON (no thousands separators).
func format(_ v: Double, plain: Bool = false) -> String {
    guard v.isFinite else { return "0" }
    let magnitude = abs(v)
    let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (v * scale).rounded() / scale
    if decimals == 0 { return String(Int64(rounded)) }
    var text = String(rounded)
    if text.contains("e") { text = String(Int64(rounded)) }
    return text
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}
