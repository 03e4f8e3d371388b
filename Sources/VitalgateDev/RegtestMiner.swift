#if canImport(Glibc)
import Glibc
#endif
import LedgerRPC
import Threads

/// A block producer for a regtest node, so that anchors confirm in demos and
/// tests (`make run`, the install test). Refuses any other chain.
public enum RegtestMiner {
    /// Mines `initial` blocks at once (101 matures the wallet's first coinbase),
    /// then one every `every` until the process ends. A failed block is
    /// reported through `log` and the next is tried: the node may restart.
    public static func run(rpc: BitcoinRPC, wallet: String, every: Duration, initial: Int, log: (String) -> Void) throws -> Never {
        let info = try rpc.blockchainInfo()
        guard info.chain == "regtest" else { throw RegtestOnly(action: "mine", chain: info.chain) }
        try rpc.ensureWallet(wallet)
        let address = try rpc.newAddress()
        if initial > 0 {
            _ = try rpc.generateToAddress(initial, address)
            log("mined \(initial) blocks")
        }
        while true {
            ThreadSleep.for(every)
            do { _ = try rpc.generateToAddress(1, address) } catch { log("mine: \(error)") }
        }
    }
}

/// A development tool was pointed at a chain other than regtest.
public struct RegtestOnly: Error, CustomStringConvertible {
    public let action: String
    public let chain: String
    public init(action: String, chain: String) { self.action = action; self.chain = chain }
    public var description: String { "refusing to \(action) on chain `\(chain)`: regtest only" }
}
