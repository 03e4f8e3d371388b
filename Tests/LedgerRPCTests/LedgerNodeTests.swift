import Foundation
import JSON
import LedgerRPC
import Testing
import TestSupport

/// The harness itself: peers on loopback only, and restarts that rewrite the cookie.
@Suite struct LedgerNodeTests {
    @Test func peersSyncOverLoopbackOnly() throws {
        let first = try LedgerNode(name: "first", matureCoins: false)
        defer { first.stop() }
        let second = try LedgerNode(name: "second", matureCoins: false, peers: [first])
        defer { second.stop() }
        let hashes = try first.mine(3)
        try waitUntil(timeout: 15, "the second node to sync 3 blocks") {
            try second.rpc("getbestblockhash").string == hashes.last
        }
        for node in [first, second] {
            let peers = try node.rpc("getpeerinfo").array ?? []
            #expect(peers.count == 1)
            for peer in peers { #expect(peer["addr"]?.string?.hasPrefix("127.0.0.1:") == true) }
            #expect(try node.rpc("getnetworkinfo")["localaddresses"]?.array?.isEmpty == true)
        }
    }

    @Test func restartAfterKillRewritesTheCookieAndTheClientFollows() throws {
        let node = try LedgerNode(name: "restart", matureCoins: false)
        defer { node.stop() }
        let rpc = BitcoinRPC(endpoint: try LedgerEndpoint(url: node.url, wallet: "vitalgate", auth: .cookieFile(node.cookieFile)))
        _ = try rpc.newAddress()
        let cookieBefore = try String(contentsOfFile: node.cookieFile, encoding: .utf8)
        node.kill9()
        #expect(throws: LedgerError.self) { try rpc.newAddress() }
        try node.restart()
        #expect(try String(contentsOfFile: node.cookieFile, encoding: .utf8) != cookieBefore)
        #expect(try rpc.newAddress().hasPrefix("rltc1"))   // re-read cookie, wallet loaded again
    }
}
