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
        try RegtestMiner.run(rpc: rpc, wallet: wallet, every: .seconds(every), initial: initial) { Console.err($0) }
    }
}

/// `vitalgate dev bench-anchor`: milliseconds per anchor transaction in a
/// wallet of many coins, the agent's explicit-input path against wallet coin
/// selection. Prints a table, then one JSON line for `make bench`.
struct DevBenchAnchor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-anchor", abstract: "Time anchor transactions on a regtest node (mines; regtest only).")

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "Coins the wallet holds at least while timing.") var utxos = 1000
    @Option(help: "Anchors timed per path.") var anchors = 50

    func validate() throws {
        try ledger.requireNode()
        guard utxos >= 8, anchors >= 1 else { throw ValidationError("--utxos must be at least 8 and --anchors at least 1") }
    }

    func run() throws {
        let auth = ledger.auth!
        let wallet = ledger.wallet ?? "vitalgate-bench"
        let rpc = BitcoinRPC(endpoint: try LedgerEndpoint(url: ledger.url!, wallet: wallet, auth: auth), timeoutSeconds: 60)
        let info = try rpc.blockchainInfo()
        guard info.chain == "regtest" else { throw RegtestOnly(action: "bench", chain: info.chain) }
        try rpc.ensureWallet(wallet)
        let result = try AnchorBench.run(rpc: rpc, coins: utxos, anchors: anchors) { Console.err($0) }
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        func ms(_ x: Double) -> String { String(Double(Int((x * 100).rounded())) / 100) }
        Console.out("wallet coins: \(result.walletCoins) at start, \(result.walletCoinsAfter) at end; anchors per path: \(result.anchors)")
        Console.out("path                                   median ms   mean ms")
        Console.out("explicit input + change (the agent)    \(ms(median(result.explicitInputs)).padding(12))\(ms(mean(result.explicitInputs)))")
        Console.out("fundrawtransaction (wallet selection)  \(ms(median(result.walletFunded)).padding(12))\(ms(mean(result.walletFunded)))")
        Console.out("{\"bench\":\"anchor\",\"wallet_utxos\":\(result.walletCoins),\"wallet_utxos_after\":\(result.walletCoinsAfter),\"anchors\":\(result.anchors),"
                    + "\"explicit_ms_median\":\(ms(median(result.explicitInputs))),\"explicit_ms_mean\":\(ms(mean(result.explicitInputs))),"
                    + "\"fundraw_ms_median\":\(ms(median(result.walletFunded))),\"fundraw_ms_mean\":\(ms(mean(result.walletFunded)))}")
    }
}

private extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
