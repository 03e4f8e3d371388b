import ArgumentParser
import VitalgateAgent
#if canImport(Glibc)
import Glibc
#endif

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Readings stored and rejected, log size, checkpoints, anchors, connectivity.")

    @OptionGroup var home: HomeOptions
    @Flag(help: "Print JSON (keys: stored, rejected, rejected_by_reason, tree_size, anchors{pending, confirmed}, broker, ledger, storage{held, pruned, used_bytes, budget_bytes, ...}).")
    var json = false
    @Option(help: ArgumentHelp("Print a line every N seconds until interrupted.", valueName: "seconds"))
    var watch: Double?
    @Flag(help: "Print the one-line summary once.")
    var line = false

    func run() throws {
        let gatewayHome = home.gatewayHome
        let db = try GatewayDatabase.open(gatewayHome, readOnly: true)
        repeat {
            let report = try StatusReport(db: db)
            if json {
                Console.out(report.json.serialized(pretty: watch == nil))
            } else if watch != nil || line {
                Console.out(report.line)
            } else {
                printHuman(report)
            }
            if let watch { usleep(UInt32(max(0.1, watch) * 1_000_000)) }
        } while watch != nil
    }

    func printHuman(_ r: StatusReport) {
        Console.out("gateway      \(r.gatewayID)")
        Console.out("stored       \(r.stored)")
        Console.out("rejected     \(r.rejected)" + (r.rejectionsDropped > 0 ? " (\(r.rejectionsDropped) dropped from the record, still counted)" : ""))
        for (reason, count) in r.rejectedByReason { Console.out("  \(pad(reason, 20))\(count)") }
        Console.out("log size     \(r.treeSize)")
        Console.out("checkpoints  \(r.checkpoints)" + (r.lastCheckpoint.map { " (last: size \($0.treeSize))" } ?? ""))
        Console.out("anchors      pending \(r.anchorsPending), confirmed \(r.anchorsConfirmed)")
        if let a = r.lastConfirmed {
            Console.out("  last confirmed: size \(a.treeSize), txid \(a.txid), height \(a.blockHeight ?? -1), \(a.confirmations) confirmations")
        }
        if !r.delivery.isEmpty {
            Console.out("delivery     " + r.delivery.map { "\($0.state) \($0.count)" }.joined(separator: ", "))
        }
        for line in r.storage.lines { Console.out(line) }
        Console.out("ingest       \(r.ingest?.state ?? "unknown (agent not run yet)")")
        Console.out("broker       \(r.broker?.state ?? "unknown (agent not run yet)")")
        Console.out("ledger       \(r.ledger?.state ?? "unknown (agent not run yet)")")
    }
}
