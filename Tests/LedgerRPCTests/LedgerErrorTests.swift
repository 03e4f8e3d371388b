import Foundation
import JSON
import LedgerRPC
import Testing
import TestSupport

/// Each failure a caller must tell apart, produced by a real node.
@Suite struct LedgerErrorTests {
    @Test func errorsFromALiveThenKilledNode() throws {
        let node = try LedgerNode(name: "errors", matureCoins: false)
        defer { node.stop() }
        func client(wallet: String? = "vitalgate", _ auth: LedgerAuth, timeout: Double = 10) throws -> BitcoinRPC {
            BitcoinRPC(endpoint: try LedgerEndpoint(url: node.url, wallet: wallet, auth: auth), timeoutSeconds: timeout)
        }
        let good = try client(.cookieFile(node.cookieFile))
        #expect(try good.call("getblockcount").int64 == 0)

        // Wrong password: HTTP 401 with an empty body.
        #expect(throws: LedgerError.unauthorized) { try client(.userPassword("__cookie__", "wrong")).call("getblockcount") }

        // Unknown method: HTTP 404 (Core maps RPC_METHOD_NOT_FOUND to 404) with a JSON error.
        #expect {
            try good.call("nosuchmethod")
        } throws: { error in
            guard case .rpc(let code, let message) = error as? LedgerError else { return false }
            return code == -32601 && message.contains("not found")
        }

        // Unknown wallet: HTTP 500 with -18.
        #expect {
            try client(wallet: "absent", .cookieFile(node.cookieFile)).newAddress()
        } throws: { error in
            guard case .rpc(let code, _) = error as? LedgerError else { return false }
            return code == -18
        }

        // Bad parameters come back as .rpc too (RPC_INVALID_ADDRESS_OR_KEY -5).
        #expect {
            try good.blockHeader(String(repeating: "0", count: 64))
        } throws: { error in
            guard case .rpc(let code, _) = error as? LedgerError else { return false }
            return code == -5
        }

        // A cookie path that does not exist.
        #expect {
            try client(.cookieFile(node.dataDir + "/regtest/.no-cookie")).call("getblockcount")
        } throws: { error in
            guard case .cookieUnreadable(let why) = error as? LedgerError else { return false }
            return why.contains("No such file")
        }

        // Killed node (cookie left behind): connection refused, at once.
        node.kill9()
        #expect {
            try good.call("getblockcount")
        } throws: { error in
            guard case .unreachable(let why) = error as? LedgerError else { return false }
            return why.contains("refused")
        }
    }

    @Test func aHungNodeTimesOut() throws {
        // A real node, stopped with SIGSTOP: connections are accepted, nothing is answered.
        let node = try LedgerNode(name: "hung", matureCoins: false)
        defer { node.stop() }
        let rpc = BitcoinRPC(endpoint: try LedgerEndpoint(url: node.url, auth: .cookieFile(node.cookieFile)), timeoutSeconds: 0.5)
        #expect(try rpc.call("getblockcount").int64 == 0)
        try node.freeze()
        defer { node.thaw() }
        #expect {
            try rpc.call("getblockcount")
        } throws: { error in
            guard case .unreachable(let why) = error as? LedgerError else { return false }
            return why.contains("timed out")
        }
    }
}
