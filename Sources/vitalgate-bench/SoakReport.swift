import FileIO
import LocalProcesses

/// One sample of the soak: the agent and its database at one moment.
struct SoakSample {
    var seconds: Double
    var phase: String
    var published: Int
    var acked: Int
    var held: Int64
    var pruned: Int64
    var fileBytes: Int64
    var usedBytes: Int64
    var walBytes: Int64
    var rssBytes: Int64
    var writtenBytes: Int64
    var cpuSeconds: Double
    var tilesArchived: Int64
    var tilesKept: Int64

    static let columns = ["t_s", "published", "acked", "held", "pruned", "db_file_mib", "db_used_mib", "wal_mib",
                          "rss_mib", "written_mib", "cpu_s", "tiles_archived", "tiles_kept"]

    static var header: String {
        "  " + columns.map { pad($0, 12) }.joined()
    }

    var values: [String] {
        func mib(_ n: Int64) -> String { format(Double(n) / 1_048_576) }
        return [format(seconds), String(published), String(acked), String(held), String(pruned), mib(fileBytes), mib(usedBytes),
                mib(walBytes), mib(rssBytes), mib(writtenBytes), format(cpuSeconds), String(tilesArchived), String(tilesKept)]
    }

    var row: String { "  " + values.map { pad($0, 12) }.joined() }
}

extension SoakRun {
    /// Writes soak.csv and soak.png (gnuplot), prints the plateau table and
    /// the checks; returns whether every check passed.
    func report(load: Load, acked: Int, loadSeconds: Double, verification: Verification) throws -> Bool {
        try Files.makeDirectory(options.out, mode: 0o755)
        let csv = options.out + "/soak.csv"
        let rows = [SoakSample.columns.joined(separator: ",")] + samples.map { $0.values.joined(separator: ",") }
        try Files.write(Array((rows.joined(separator: "\n") + "\n").utf8), to: csv, overwrite: true)
        let png = try plot(csv: csv)

        guard let last = samples.last else { throw BenchError("no samples") }
        let loadSamples = samples.filter { $0.phase == "load" }
        let budget = parseBudget(options.budget)
        // The plateau: the second half of the load against the end.
        let half = loadSamples.filter { $0.seconds >= loadSeconds / 2 }
        let mid = half.first ?? last
        func mib(_ n: Int64) -> String { format(Double(n) / 1_048_576) + " MiB" }
        print("\nPlateau (second half of the load, \(half.count) samples)")
        print("  " + pad("", 34) + pad("at half time", 16) + pad("min", 16) + pad("max", 16) + "at the end")
        for (name, value) in [("database in use", { (s: SoakSample) in s.usedBytes }), ("database file", { $0.fileBytes }),
                              ("WAL", { $0.walBytes }), ("agent RSS", { $0.rssBytes })] as [(String, (SoakSample) -> Int64)] {
            let values = half.map(value)
            print("  " + pad(name, 34) + pad(mib(value(mid)), 16) + pad(mib(values.min() ?? 0), 16) + pad(mib(values.max() ?? 0), 16) + mib(value(last)))
        }
        print("  " + pad("readings held", 34) + pad(String(mid.held), 16) + pad(String(half.map(\.held).min() ?? 0), 16)
              + pad(String(half.map(\.held).max() ?? 0), 16) + String(last.held))
        let written = Double(last.writtenBytes - (samples.first?.writtenBytes ?? 0))
        let perReading = written / Double(max(1, load.total))
        print("\n  bytes written by the agent: \(mib(last.writtenBytes)) for \(load.total) readings = \(format(perReading)) B/reading (ingest, delivery, anchoring, pruning, archive; the archive is on the same disk here)")
        print("  at this rate: \(format(perReading * options.rate * 86_400 / 1e9)) GB written a day")
        print("  CPU: \(format(last.cpuSeconds)) s = \(format(last.cpuSeconds / Double(max(1, load.total)) * 1e6)) us/reading")

        var checks: [(String, Bool, String)] = []
        checks.append(("nothing lost", acked == load.total && Int(last.held + last.pruned) == load.total,
                       "\(load.total) published, \(acked) acknowledged, \(last.held + last.pruned) stored (\(last.held) held, \(last.pruned) pruned)"))
        let maxUsed = samples.map(\.usedBytes).max() ?? 0
        checks.append(("under the budget", budget.map { maxUsed <= $0 } ?? true, "at most \(mib(maxUsed)) in use" + (budget.map { " of \(mib($0))" } ?? "")))
        let grew = Double(last.usedBytes) / Double(max(1, mid.usedBytes))
        checks.append(("storage plateaus", last.pruned > 0 && grew <= 1.15, "in use \(mib(mid.usedBytes)) at half time, \(mib(last.usedBytes)) at the end (x\(format(grew)))"))
        // RSS swings with each delivery Bundle built; flat means the peaks do not climb:
        // the second half's highest against the first half's (after the first minute).
        let firstHalf = loadSamples.filter { $0.seconds >= 60 && $0.seconds < loadSeconds / 2 }
        let early = firstHalf.map(\.rssBytes).max() ?? mid.rssBytes, late = half.map(\.rssBytes).max() ?? 0
        let rssGrew = Double(late) / Double(max(1, early))
        checks.append(("RSS flat", rssGrew <= 1.15, "highest \(mib(early)) in the first half (after a minute), \(mib(late)) in the second (x\(format(rssGrew)))"))
        checks.append(("log hashes archived, none kept here", last.tilesArchived > 0 && last.tilesKept == 0, "\(last.tilesArchived) tiles archived, \(last.tilesKept) kept in the database"))
        checks.append(("sampled readings verify", verification.failed.isEmpty && verification.pruned > 0,
                       "\(verification.pruned) pruned and \(verification.held) held readings verified" + (verification.failed.isEmpty ? "" : "; failed: \(verification.failed.prefix(3))")))
        print("\nChecks")
        for (name, ok, detail) in checks { print("  " + pad(name, 38) + pad(ok ? "PASS" : "FAIL", 6) + detail) }
        print("\nwrote \(csv)" + (png.map { " and \($0)" } ?? " (no plot: gnuplot not found; make soak installs gnuplot-nox)"))
        return checks.allSatisfy(\.1)
    }

    /// soak.png: database in use and file, RSS, and bytes written, over time.
    func plot(csv: String) throws -> String? {
        guard let gnuplot = ["/usr/bin/gnuplot", "/usr/local/bin/gnuplot"].first(where: { Files.isExecutable($0) }) else { return nil }
        let png = options.out + "/soak.png"
        let script = directory + "/soak.gp"
        try Files.write(Array("""
            set datafile separator ','
            set terminal png size 1100,1000
            set output '\(png)'
            set key autotitle columnhead left top
            set multiplot layout 3,1 title 'vitalgate soak: \(options.devices) devices, \(format(options.rate))/s for \(format(options.minutes)) min, retention \(format(options.retainSeconds)) s'
            set grid
            set ylabel 'MiB'
            plot '\(csv)' using 1:7 with lines lw 2 title 'database in use', '' using 1:6 with lines title 'database file', '' using 1:8 with lines title 'WAL'
            set ylabel 'MiB'
            plot '\(csv)' using 1:9 with lines lw 2 title 'agent RSS'
            set xlabel 'seconds'
            set ylabel 'MiB written'
            set y2label 'readings'
            set y2tics
            plot '\(csv)' using 1:10 with lines lw 2 title 'bytes written by the agent (cumulative)', '' using 1:4 axes x1y2 with lines title 'readings held'
            unset multiplot

            """.utf8), to: script, overwrite: true)
        try ChildProcess.run(gnuplot, [script], logPath: directory + "/gnuplot.log")
        return png
    }

    func parseBudget(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        guard let last = text.last else { return nil }
        if let unit = units[last], let n = Double(text.dropLast()) { return Int64(n * Double(unit)) }
        return Int64(text).map { $0 << 20 }  // a bare number is MiB, as the agent reads it
    }
}
