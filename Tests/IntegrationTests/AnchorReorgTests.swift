import Foundation
import JSON
import Testing
import TestSupport

/// The block holding an anchor leaves the active chain: the agent moves the
/// anchor back, follows it into the new chain, refreshes its proof, and the
/// exported bundle verifies against the active chain (issue 4's acceptance).
@Suite(.serialized)
struct AnchorReorgTests {
    @Test func anAnchorWhoseBlockIsInvalidatedIsFollowedIntoTheNewChain() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode(name: "reorg")
        defer { ledger.stop() }
        let devices = [("reorg-0", "pulse-oximeter"), ("reorg-1", "blood-pressure-cuff")]
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "checkpoint_every": "1000", "anchor_interval": "1", "confirmations": "2",
        ]), devices: devices)
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        var scenario = AnchorScenario(gateway: gateway, brokerPort: broker.port, devices: devices)
        try scenario.publish(rounds: 20)
        do {
            let miner = BlockProducer(ledger, interval: 1)
            defer { miner.stop() }
            try scenario.waitForFinalAnchorOfEverything(timeout: 60)
        }
        let before = try gateway.status()["anchors"]?["last_confirmed"]
        let oldBlock = try #require(before?["block_hash"]?.string)
        let txid = try #require(before?["txid"]?.string)
        try scenario.exportAndVerify(device: "reorg-0", seq: 20, ledger: ledger)

        // Reorg: the anchor's block and all after it are invalid; a longer
        // chain is mined (to a fresh address, so no block is rebuilt identical).
        try ledger.invalidateBlock(oldBlock)
        let address = try #require(try ledger.rpc("getnewaddress", wallet: true).string)
        let newBlocks = try ledger.rpc("generatetoaddress", [4, .string(address)]).array?.compactMap(\.string) ?? []
        #expect(newBlocks.count == 4)
        #expect(try ledger.rpc("getblockheader", [.string(oldBlock)])["confirmations"]?.int64 == -1)

        try gateway.waitForStatus(timeout: 30, "the anchor final again in the new chain") { s in
            let last = s["anchors"]?["last_confirmed"]
            return last?["txid"]?.string == txid && last?["block_hash"]?.string != oldBlock
                && last?["block_hash"]?.string.map { newBlocks.contains($0) } == true
        }
        let anchor = try #require(try scenario.anchors().first { $0.txid == txid })
        #expect(anchor.state == "final")
        let events = try scenario.events().filter { $0.0 == anchor.id }
        #expect(events.contains { $0.1 == "final" && $0.2 == "broadcast" && $0.3.contains("left the active chain") }, "\(events)")
        #expect(events.last?.2 == "final")
        // Nothing was anchored twice for it: the same transaction came back.
        #expect(try scenario.anchors().filter { $0.treeSize == anchor.treeSize && $0.state != "abandoned" }.count == 1)

        // The refreshed bundle proves the reading in the active chain.
        try scenario.exportAndVerify(device: "reorg-0", seq: 20, ledger: ledger)
        try scenario.exportAndVerify(device: "reorg-1", seq: 1, ledger: ledger)
        let bundle = try JSONParser.parse(try String(contentsOfFile: gateway.directory.file("bundle-reorg-0-20.json"), encoding: .utf8))
        #expect(bundle["anchor"]?["block_hash"]?.string.map { newBlocks.contains($0) } == true)
        #expect((bundle["anchor"]?["confirmations"]?.int64 ?? 0) >= 2, "the bundle records the depth the agent required")
        gateway.stopAgent()
    }
}
