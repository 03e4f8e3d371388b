import FileIO
import LocalProcesses
import LedgerRPC
#if canImport(Glibc)
import Glibc
#endif

/// `litecoind -regtest` on free 127.0.0.1 ports, talking to no peer, with
/// a funded wallet (101 blocks, so the first coinbase is spendable); its data
/// in `dataDir` (created if missing).
final class LedgerProcess: Sendable {
    let rpcPort: UInt16
    let dataDir: String
    let process: ChildProcess
    let rpc: BitcoinRPC
    private let miningAddress: String

    static let executable = "/usr/lib/litecoin/litecoind"
    static let wallet = "vitalgate"

    var url: String { "http://127.0.0.1:\(rpcPort)" }
    var cookieFile: String { dataDir + "/regtest/.cookie" }

    init(dataDir: String) throws {
        self.dataDir = dataDir
        rpcPort = try freeLoopbackPort()
        try Files.makeDirectory(dataDir)
        var p2p = try freeLoopbackPort()
        while p2p == rpcPort { p2p = try freeLoopbackPort() }
        process = try ChildProcess(name: "litecoind", executable: Self.executable, arguments: [
            "-regtest", "-datadir=\(dataDir)", "-server=1", "-printtoconsole=0",
            "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-rpcport=\(rpcPort)",
            "-listen=1", "-bind=127.0.0.1:\(p2p)", "-port=\(p2p)",
            "-connect=0", "-dnsseed=0", "-discover=0", "-upnp=0", "-listenonion=0", "-onlynet=ipv4",
            "-txindex=1", "-fallbackfee=0.0001",
            // MWEB activates at height 432 on regtest, and litecoind then fails to make any
            // block (bad-txns-vin-empty in its integrating transaction): the soak's block a
            // second gets there in about five minutes. Never activating it keeps mining going.
            "-vbparams=mweb:0:0",
        ], logPath: dataDir + "/stdout.log")
        let cookie = dataDir + "/regtest/.cookie"
        rpc = BitcoinRPC(endpoint: try LedgerEndpoint(url: "http://127.0.0.1:\(rpcPort)", wallet: Self.wallet, auth: .cookieFile(cookie)))
        let process = process, rpc = rpc
        try waitUntil(timeout: .seconds(60), interval: .milliseconds(200), "litecoind to answer RPC on 127.0.0.1:\(rpcPort)") {
            guard process.isRunning else { throw BenchError("litecoind exited at start-up: \(process.logTail())") }
            return Files.exists(cookie) && (try? rpc.blockchainInfo()) != nil
        }
        try rpc.ensureWallet(Self.wallet)
        miningAddress = try rpc.newAddress()
        _ = try rpc.generateToAddress(101, miningAddress)
    }

    func mine(_ blocks: Int = 1) throws { _ = try rpc.generateToAddress(blocks, miningAddress) }

    /// Asks over RPC first (litecoind flushes its state), then stops by PID.
    func stop() {
        if (try? rpc.call("stop")) != nil { process.waitForExit(timeout: 15) }
        process.stop(grace: 5)
    }
}
