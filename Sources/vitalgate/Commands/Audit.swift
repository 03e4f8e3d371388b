import ArgumentParser

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The access trail in the log, and a monitor of the gateway's anchors on the chain.",
        discussion: "docs/audit.md explains both.",
        subcommands: [AuditTrailCommand.self, AuditChain.self])
}
