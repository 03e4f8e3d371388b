import Codecs
import Foundation
import JSON
#if canImport(Glibc)
import Glibc
#endif

/// A private `litecoind -regtest` for one test: its own temporary data
/// directory, free loopback ports, no connection to anything but 127.0.0.1
/// (and to the `peers` it is given).
public final class LedgerNode: @unchecked Sendable {
    /// The real daemon; /usr/bin/litecoind is a wrapper that writes ~/.litecoin.
    public static let executable = "/usr/lib/litecoin/litecoind"

    public let name: String
    public let wallet: String
    public let rpcPort: UInt16
    public let p2pPort: UInt16
    public let dataDir: String
    /// The cookie the node writes at each start (`__cookie__:<hex>`).
    public var cookieFile: String { "\(dataDir)/regtest/.cookie" }
    public var url: String { "http://127.0.0.1:\(rpcPort)" }
    /// The node's own log (-printtoconsole=0 sends it here).
    public var debugLog: String { "\(dataDir)/regtest/debug.log" }

    private let directory: TemporaryDirectory
    private let arguments: [String]
    private var process: ChildProcess?
    private var miningAddress: String?

    /// Starts the node, waits until RPC answers, creates (or, after a restart,
    /// loads) `wallet`, and with `matureCoins` mines 101 blocks to it so its
    /// first coinbase can be spent (COINBASE_MATURITY = 100).
    /// - Parameter restoring: a `tar.gz` of a regtest data folder (its `regtest/`
    ///   folder, as `Tests/fixtures/pre-salt/make.sh` writes it): the node starts
    ///   on that chain, mempool and wallet instead of a new one.
    public init(name: String = "ledger", wallet: String = "vitalgate", matureCoins: Bool = true, peers: [LedgerNode] = [],
                restoring archive: String? = nil) throws {
        self.name = name
        self.wallet = wallet
        directory = try TemporaryDirectory("ledger-\(name)")
        dataDir = directory.path
        rpcPort = try freeLoopbackPort()
        var p2p = try freeLoopbackPort()
        while p2p == rpcPort { p2p = try freeLoopbackPort() }
        p2pPort = p2p
        arguments = [
            "-regtest", "-datadir=\(dataDir)", "-server=1", "-printtoconsole=0",
            "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-rpcport=\(rpcPort)",
            "-listen=1", "-bind=127.0.0.1:\(p2pPort)", "-port=\(p2pPort)",
            // Nothing leaves 127.0.0.1: no seeds, no address discovery or port
            // mapping, no Tor, and no automatic outbound peers (-connect=0
            // still honours -addnode).
            "-connect=0", "-dnsseed=0", "-discover=0", "-upnp=0", "-listenonion=0", "-onlynet=ipv4",
            "-txindex=1", "-fallbackfee=0.0001", "-keypool=20",
        ] + peers.map { "-addnode=127.0.0.1:\($0.p2pPort)" }
        do {
            if let archive {
                let untar = try runTool("/bin/tar", ["-xzf", archive, "-C", dataDir])
                guard untar.status == 0 else { throw HarnessError("tar -xzf \(archive): \(untar.output)") }
                try launch()
                _ = try rpc("loadwallet", [.string(wallet)])
                return
            }
            try launch()
            _ = try rpc("createwallet", [.string(wallet)])
            if matureCoins { _ = try mine(101) }
        } catch {
            stop()
            throw error
        }
    }

    private func launch() throws {
        let child = try ChildProcess(name: "litecoind-\(name)", executable: Self.executable, arguments: arguments,
                                     logPath: "\(dataDir)/stdout.log")
        process = child
        try waitUntil(timeout: 30, "litecoind \(name) to answer RPC on port \(rpcPort)") {
            guard child.isRunning else {
                throw HarnessError("litecoind \(name) exited: \(child.output()) \(tail(debugLog))")
            }
            return (try? rpc("getblockchaininfo")) != nil
        }
    }

    /// Calls `method` over JSON-RPC with the cookie; throws `HarnessError` with
    /// the node's code and message on an RPC error.
    @discardableResult
    public func rpc(_ method: String, _ params: [JSONValue] = [], wallet: Bool = false) throws -> JSONValue {
        let path = wallet ? "/wallet/\(self.wallet)" : "/"
        let cookie = try String(contentsOfFile: cookieFile, encoding: .utf8)
        let request: JSONValue = ["jsonrpc": "1.0", "id": 1, "method": .string(method), "params": .array(params)]
        let (status, body) = try loopbackPost(port: rpcPort, path: path, authorization: "Basic " + Base64.encode(Array(cookie.utf8)),
                                              body: request.serializedUTF8())
        guard !body.isEmpty else { throw HarnessError("\(method): HTTP \(status) with an empty body") }
        var limits = JSONParser.Limits()
        limits.maxBytes = 32 << 20
        let answer = try JSONParser.parse(body, limits: limits)
        if let error = answer["error"], !error.isNull {
            throw HarnessError("\(method) failed: code \(error["code"]?.int64 ?? 0): \(error["message"]?.string ?? "")")
        }
        guard let result = answer["result"] else { throw HarnessError("\(method): no result in \(answer.serialized())") }
        return result
    }

    /// Mines `blocks` blocks to an address of the node's wallet; their hashes.
    @discardableResult
    public func mine(_ blocks: Int = 1) throws -> [String] {
        if miningAddress == nil {
            miningAddress = try rpc("getnewaddress", wallet: true).string
        }
        let hashes = try rpc("generatetoaddress", [.int(blocks), .string(miningAddress ?? "")])
        return hashes.array?.compactMap(\.string) ?? []
    }

    /// Restarts a stopped or killed node on the same ports and data directory
    /// and loads the wallet again (nodes do not reload unnamed wallets).
    public func restart() throws {
        shutDown()
        try launch()
        // A client (the agent) may be loading it at the same moment: then wait for it.
        do {
            _ = try rpc("loadwallet", [.string(wallet)])
        } catch {
            try waitUntil(timeout: 15, "wallet \(wallet) loaded after restart") {
                (try rpc("listwallets").array?.compactMap(\.string) ?? []).contains(wallet)
            }
        }
    }

    /// `count` nodes on loopback, each connected to every earlier one, each
    /// with its own wallet holding mature coins: the nodes take turns mining
    /// 101 blocks to their wallet, waiting for all to agree on the tip in
    /// between (mining at once would make competing chains and orphan coins).
    public static func network(_ count: Int, name: String = "net") throws -> [LedgerNode] {
        var nodes: [LedgerNode] = []
        do {
            for i in 0..<count { nodes.append(try LedgerNode(name: "\(name)\(i)", matureCoins: false, peers: nodes)) }
            for node in nodes {
                let tip = try node.mine(101).last ?? ""
                try waitUntil(timeout: 30, "all \(count) nodes to reach tip \(tip)") {
                    try nodes.allSatisfy { try $0.rpc("getbestblockhash").string == tip }
                }
            }
        } catch {
            nodes.forEach { $0.stop() }
            throw error
        }
        return nodes
    }

    /// `invalidateblock hash`: the node treats the block (and all after it) as
    /// invalid and goes back to its parent; its transactions return to the mempool.
    public func invalidateBlock(_ hash: String) throws {
        try rpc("invalidateblock", [.string(hash)])
    }

    /// Whether the node is running.
    public var isRunning: Bool { process?.isRunning ?? false }

    /// Stops the node cleanly (`stop` RPC: it flushes its chain state and
    /// saves its mempool); the data directory stays (see `restart`).
    public func halt() { shutDown() }

    /// SIGKILL: the node stops as in a power cut; the data directory stays (see `restart`).
    /// A lone regtest node can come back without its last blocks (measured:
    /// unflushed blocks are gone after the restart, with their coins).
    public func kill9() { process?.kill9() }

    /// SIGSTOP: the node keeps its sockets (the kernel still accepts
    /// connections) but answers nothing, like a hung node. `thaw()` resumes it.
    public func freeze() throws {
        guard process?.freeze() ?? false else {
            throw HarnessError("litecoind (pid \(process?.pid ?? -1)) did not stop within 10 s of SIGSTOP")
        }
    }
    public func thaw() { process?.thaw() }

    /// Shuts the node down, then removes the data directory.
    ///
    /// Asks over RPC first: a child started from a test thread inherits that
    /// thread's blocked signal mask (SigBlk in /proc/<pid>/status), so
    /// litecoind never sees SIGTERM. `ChildProcess.stop` then reaps it by
    /// PID, or SIGKILLs it if it is still running after the grace period.
    public func stop() {
        shutDown()
        process = nil
        directory.remove()
    }

    private func shutDown() {
        guard let process, process.isRunning else { return }
        if (try? rpc("stop")) != nil {
            try? waitUntil(timeout: 10, "litecoind \(name) to shut down") { !process.isRunning }
        }
        process.stop(grace: 2)
    }

    deinit { stop() }
}

/// The last 2 KB of a file, for failure messages.
private func tail(_ path: String) -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
    return String(text.suffix(2000))
}
