import Foundation
import JSON
import Testing
import TestSupport

/// More than 25 anchors between two blocks, none refused: the agent spreads
/// them over its coins so no unconfirmed chain nears the node's limit of 25
/// (issue 4's acceptance).
@Suite(.serialized)
struct AnchorChainLimitTests {
    @Test func thirtyAnchorsBetweenTwoBlocksAreAllAccepted() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode(name: "chainlimit")
        defer { ledger.stop() }
        let devices = [("chain-0", "thermometer"), ("chain-1", "pulse-oximeter")]
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "0.3", "checkpoint_every": "1000", "anchor_interval": "0.3", "confirmations": "1",
        ]), devices: devices)
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        var scenario = AnchorScenario(gateway: gateway, brokerPort: broker.port, devices: devices)
        // Steady state first: the agent's coins exist and are confirmed (until
        // then they share one unconfirmed parent, which allows ~11 anchors).
        try scenario.publish(rounds: 1)
        do {
            let miner = BlockProducer(ledger, interval: 0.5)
            defer { miner.stop() }
            try scenario.waitForFinalAnchorOfEverything(timeout: 30)
        }
        try ledger.mine(1)
        let heightBefore = try ledger.rpc("getblockcount").int64

        // New readings all the time, so every interval has a newer checkpoint to anchor.
        let deadline = Date().addingTimeInterval(60)
        while try scenario.anchors().filter({ $0.state == "broadcast" }).count < 30 {
            guard Date() < deadline else {
                Issue.record("only \(try scenario.anchors().count) anchors after 60 s:\n\(gateway.agentLogs().suffix(3000))")
                return
            }
            try scenario.publish(rounds: 2)
            usleep(150_000)
        }
        #expect(try ledger.rpc("getblockcount").int64 == heightBefore, "no block was mined meanwhile")
        let anchors = try scenario.anchors()
        #expect(anchors.allSatisfy { $0.state != "abandoned" }, "\(anchors.map(\.state))")
        let mempool = Set(try ledger.rpc("getrawmempool").array?.compactMap(\.string) ?? [])
        var deepest = 0
        for anchor in anchors where anchor.state == "broadcast" {
            #expect(mempool.contains(anchor.txid))
            let entry = try ledger.rpc("getmempoolentry", [.string(anchor.txid)])
            deepest = max(deepest, Int(entry["ancestorcount"]?.int64 ?? 99))
            // At least the 1 sat/vB floor: fee in coins, vsize in vbytes.
            let fee = entry["fees"]?["base"]?.number?.double ?? 0, vsize = Double(entry["vsize"]?.int64 ?? 1)
            #expect(fee * 1e8 / vsize >= 1.0)
            #expect(vsize <= 173)
        }
        #expect(deepest <= 12, "an anchor has \(deepest) unconfirmed ancestors")
        #expect(try scenario.events().allSatisfy { !$0.3.contains("refused") })
        #expect(!gateway.agentLogs().contains("too-long-mempool-chain"))

        // One block takes them all; then everything published is anchored and final.
        try ledger.mine(1)
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }
        try scenario.waitForFinalAnchorOfEverything(timeout: 60)
        let final = try scenario.anchors().filter { $0.state == "final" }
        #expect(final.count >= 30)
        try scenario.exportAndVerify(device: "chain-0", seq: 1, ledger: ledger)
        gateway.stopAgent()
    }
}
