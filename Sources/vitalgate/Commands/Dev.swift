import ArgumentParser
import LedgerRPC
import VitalgateAgent
#if canImport(Glibc)
import Glibc
#endif

struct Dev: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tools for local demos and tests (regtest only).",
        subcommands: [DevMine.self, DevBenchAnchor.self])
}

/// A block producer for a regtest node: `make run` uses it so anchors confirm.
struct DevMine: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mine", abstract: "Mine regtest blocks every few seconds.")

    @OptionGroup var ledger: LedgerOptions
    @Option(help: ArgumentHelp("Seconds between blocks.", valueName: "seconds")) var every = 2.0
    @Option(help: "Blocks to mine first (101 gives the wallet spendable coins).") var initial = 0

    func validate() throws {
        guard ledger.url != nil, ledger.cookie != nil || ledger.user != nil else {
            throw ValidationError("--ledger-url and --ledger-cookie (or --ledger-user/--ledger-password-file) are required")
        }
    }

    func run() throws {
        let auth = ledger.auth!
        let rpc = BitcoinRPC(endpoint: try LedgerEndpoint(url: ledger.url!, wallet: ledger.wallet ?? "vitalgate", auth: auth))
        let info = try rpc.blockchainInfo()
        guard info.chain == "regtest" else { throw CLIError("refusing to mine on chain `\(info.chain)`: regtest only") }
        try rpc.ensureWallet(ledger.wallet ?? "vitalgate")
        let address = try rpc.newAddress()
        if initial > 0 {
            _ = try rpc.generateToAddress(initial, address)
            Console.out("mined \(initial) blocks")
        }
        while true {
            usleep(UInt32(every * 1_000_000))
            do { _ = try rpc.generateToAddress(1, address) } catch { Console.err("mine: \(error)") }
        }
    }
}
