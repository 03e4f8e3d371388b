import ArgumentParser
import LedgerRPC
import VitalgateDev

struct Dev: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tools for local demos and tests (regtest only).",
        // Development tooling (module VitalgateDev): callable, but not offered beside the production commands.
        shouldDisplay: false,
        subcommands: [DevMine.self, DevBenchAnchor.self])
}

/// A block producer for a regtest node: `make run` uses it so anchors confirm.
struct DevMine: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mine", abstract: "Mine regtest blocks every few seconds.")

    @OptionGroup var ledger: LedgerOptions
    @Option(help: ArgumentHelp("Seconds between blocks.", valueName: "seconds")) var every = 2.0
    @Option(help: "Blocks to mine first (101 gives the wallet spendable coins).") var initial = 0

    func validate() throws {
        try ledger.requireNode()
    }

    func run() throws {
        let wallet = ledger.wallet ?? "vitalgate"
        let rpc = BitcoinRPC(endpoint: try LedgerEndpoint(url: ledger.url!, wallet: wallet, auth: ledger.auth!))
        try RegtestMiner.run(rpc: rpc, wallet: wallet, every: every, initial: initial) { Console.err($0) }
    }
}
