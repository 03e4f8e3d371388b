#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import SQLiteStore
import Threads
import VitalgateAgent

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Whether the agent runs, each part's state, and the counts: readings, log, checkpoints, anchors, delivery.",
        discussion: """
        While the agent runs (it holds <home>/agent.lock and its heartbeat is fresh) each part's state is current; \
        otherwise status says how the agent ended and shows what it last saw, marked as such. \
        --check prints one line and exits 0 (OK), 1 (WARNING), 2 (CRITICAL) or 3 (UNKNOWN: status could not be read), \
        as monitoring plugins do; --line exits the same way. docs/operations.md lists the states.
        """)

    @OptionGroup var home: HomeOptions
    @Flag(help: "Print JSON (health, agent, each part's state, counts, storage{held, pruned, used_bytes, budget_bytes, ...}; see docs/operations.md and docs/storage.md).")
    var json = false
    @Option(help: ArgumentHelp("Print a line every N seconds until interrupted.", valueName: "seconds"))
    var watch: Double?
    @Flag(help: "Print the one-line summary once; exit 0, 1 or 2 as --check.")
    var line = false
    @Flag(help: "Print one monitoring-plugin line and exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
    var check = false

    func run() throws {
        let gatewayHome = home.gatewayHome
        let report: StatusReport
        do {
            let db = try GatewayDatabase.open(gatewayHome, readOnly: true)
            report = try makeReport(db, gatewayHome)
            if let watch {
                while true {
                    let r = try makeReport(db, gatewayHome)
                    Console.out(json ? r.json.serialized(pretty: false) : r.line)
                    ThreadSleep.for(.seconds(max(0.1, watch)))
                }
            }
        } catch {
            guard check || line else { throw error }
            Console.out("VITALGATE UNKNOWN - cannot read the gateway's status: \(error)")
            throw ExitCode(3)
        }
        if check {
            Console.out(report.checkLine)
            throw ExitCode(report.health.exitCode)
        } else if line {
            Console.out(report.line)
            throw ExitCode(report.health.exitCode)
        } else if json {
            Console.out(report.json.serialized(pretty: true))
        } else {
            printHuman(report)
        }
    }

    func makeReport(_ db: Database, _ gatewayHome: GatewayHome) throws -> StatusReport {
        let file = try? configFile(gatewayHome)
        let interval = Setting.resolve("anchor_interval", environment: Environment.current, file: file ?? ConfigFile()).flatMap(Double.init)
        return try StatusReport(db: db, home: gatewayHome, anchorInterval: interval)
    }

    func printHuman(_ r: StatusReport) {
        let now = WallClock.nowMillis()
        func when(_ millis: Int64) -> String { "\(WallClock.iso8601(millis: millis)) (\(WallClock.age(of: millis, now: now)))" }
        Console.out("gateway      \(r.gatewayID)  (vitalgate \(VitalgateVersion.current))")
        Console.out("health       \(r.health.word)" + (r.problems.isEmpty ? "" : ": " + r.problems.joined(separator: "; ")))
        switch r.agent {
        case .running(let pid, let started, let heartbeat):
            Console.out("agent        running, pid \(pid), since \(when(started)); heartbeat \(WallClock.age(of: heartbeat, now: now))")
        case .starting(let pid):
            Console.out("agent        STARTING: pid \(pid.map(String.init) ?? "?") holds the lock and has not written its first heartbeat yet")
        case .hung(let pid, let heartbeat):
            Console.out("agent        HUNG: pid \(pid.map(String.init) ?? "?") holds the lock; last heartbeat \(heartbeat.map(when) ?? "never")")
        case .locked(let pid, let by):
            Console.out("agent        NOT RUNNING: `\(by)` (pid \(pid.map(String.init) ?? "?")) holds the gateway home")
        case .stopped(let at):
            Console.out("agent        NOT RUNNING: stopped cleanly at \(when(at))")
        case .killed(let started, let heartbeat):
            Console.out("agent        NOT RUNNING: ended without a clean stop (killed, crashed or power lost); it started at \(WallClock.iso8601(millis: started))"
                        + (heartbeat.map { ", last heartbeat \(when($0))" } ?? ""))
        case .neverRun:
            Console.out("agent        NOT RUNNING: never run on this home")
        }
        if !r.parts.isEmpty {
            Console.out(r.agent.isRunning ? "parts (now):" : "parts (as the agent last saw them, not current):")
            for (part, state, _) in r.parts {
                Console.out("  \(pad(part.rawValue, 11))\(pad(state.health.rawValue, 10))\(state.summary) (since \(WallClock.iso8601(millis: state.since)))")
            }
        }
        Console.out("stored       \(r.stored)")
        Console.out("rejected     \(r.rejected)" + (r.rejectionsDropped > 0 ? " (\(r.rejectionsDropped) dropped from the record, still counted)" : ""))
        for (reason, count) in r.rejectedByReason { Console.out("  \(pad(reason, 20))\(count)") }
        Console.out("duplicates   \(r.duplicates) (resends of stored readings; not rejections)")
        Console.out("log size     \(r.treeSize)")
        Console.out("checkpoints  \(r.checkpoints)" + (r.lastCheckpoint.map { " (last: size \($0.treeSize), signed \(when($0.createdAt)))" } ?? ""))
        Console.out("anchors      pending \(r.anchorsPending), confirmed \(r.anchorsConfirmed)")
        if let a = r.lastConfirmed {
            Console.out("  last confirmed: size \(a.treeSize), txid \(a.txid), height \(a.blockHeight ?? -1), \(r.confirmations(of: a)) confirmations"
                        + (r.ledgerTipHeight.map { " (ledger tip \($0))" } ?? "") + (a.confirmedAt.map { ", final since \(WallClock.iso8601(millis: $0))" } ?? ""))
        }
        if !r.delivery.isEmpty {
            Console.out("delivery     " + r.delivery.map { "\($0.state) \($0.count)" }.joined(separator: ", "))
        }
        Console.out("storage")
        for line in r.storage.lines { Console.out(line) }
    }
}
