import LocalProcesses
import ArgumentParser
import FileIO
import JSON
#if canImport(Glibc)
import Glibc
#endif

@main
struct VitalgateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitalgate-bench",
        abstract: "Measure vitalgate against a plain MQTT subscriber on the same load (`make bench`).",
        subcommands: [RunCommand.self, SoakCommand.self, SubscribeCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// What `run` and `soak` both measure with: the binary and the repository,
/// made absolute once parsed, since the children they start run elsewhere.
struct Checkout: ParsableArguments {
    @Option(help: "The vitalgate binary (a release build).") var vitalgate: String
    @Option(help: "The repository root (Provisioning/, Devices/, scripts/).") var root: String = Self.currentDirectory()

    mutating func validate() throws {
        vitalgate = Self.absolute(vitalgate)
        root = Self.absolute(root)
    }

    /// `path` against the current directory unless it is absolute.
    static func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : currentDirectory() + "/" + path }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        return getcwd(&buffer, buffer.count).map { String(cString: $0) } ?? "."
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run every phase; print a table and write JSON.")

    @OptionGroup var options: BenchOptions
    @Option(help: "Where to write the JSON results.") var out = "bench-results/bench.json"
    @Flag(help: "Keep the work folder under /tmp (logs, databases) after a successful run; a failed run always keeps it.") var keep = false

    func run() throws {
        let bench = try BenchRun(options: options)
        try bench.run()
        let path = Checkout.absolute(out)
        if let slash = path.lastIndex(of: "/") { try Files.makeDirectory(String(path[..<slash]), mode: 0o755) }
        try Files.write(Array((bench.report.json.serialized(pretty: true) + "\n").utf8), to: path, overwrite: true)
        print("\nwrote \(path)")
        if keep {
            print("work folder kept: \(bench.directory)")
        } else {
            try? ChildProcess.run("/bin/rm", ["-rf", bench.directory], logPath: "/dev/null")
        }
    }
}

struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Weeks of a ward in minutes: steady load with a short retention, delivery, anchoring and an archive (`make soak`).",
        discussion: "Prints a sample every --sample-every seconds, the plateau and the checks; writes soak.csv and soak.png to --out. Exits non-zero if a check fails. docs/storage.md.")

    @OptionGroup var options: SoakOptions

    func run() throws {
        let soak = try SoakRun(options: options)
        let passed = try soak.run()
        if !passed { throw ExitCode(1) }
    }
}
