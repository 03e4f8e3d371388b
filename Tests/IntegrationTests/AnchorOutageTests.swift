import Foundation
import JSON
import Testing
import TestSupport

/// The ledger is down while 5,000 readings arrive: the agent keeps
/// ingesting, and on return anchors the newest checkpoint (not one
/// transaction per missed interval); every reading verifies (issue 4's acceptance).
@Suite(.serialized)
struct AnchorOutageTests {
    @Test func readingsDuringALedgerOutageAreAnchoredWithAFewTransactionsOnReturn() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode(name: "outage")
        defer { ledger.stop() }
        let devices = (0..<10).map { ("out-\($0)", TrafficPlan.profiles[$0 % TrafficPlan.profiles.count]) }
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "checkpoint_every": "1000", "anchor_interval": "1", "confirmations": "1",
        ]), devices: devices)
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        var scenario = AnchorScenario(gateway: gateway, brokerPort: broker.port, devices: devices)
        try scenario.publish(rounds: 10)
        do {
            let miner = BlockProducer(ledger, interval: 1)
            defer { miner.stop() }
            try scenario.waitForFinalAnchorOfEverything(timeout: 60)
        }
        // One more anchor left unmined across the outage.
        try scenario.publish(rounds: 1)
        try waitUntil(timeout: 20, "an anchor in the mempool") {
            try scenario.anchors().contains { $0.state == "broadcast" }
        }

        // Outage: the node stops (a lone regtest node killed with SIGKILL can
        // lose its last blocks, and the wallet's coins with them); 5,000 readings arrive.
        ledger.halt()
        let started = Date()
        try scenario.publish(rounds: 500)
        precondition(scenario.published >= 5_000, "the outage must see at least 5,000 readings")
        try gateway.waitForStatus(timeout: 120, "all readings stored while the ledger is down") { s in
            s["stored"]?.int64 == scenario.published
        }
        // Let at least ten anchor intervals pass with the ledger down.
        let outage = Date().timeIntervalSince(started)
        if outage < 10 { usleep(UInt32((10 - outage) * 1_000_000)) }
        let status = try gateway.status()
        #expect(status["ledger"]?["state"]?.string?.hasPrefix("unreachable") == true)
        let anchorsBefore = try scenario.anchors().count

        try ledger.restart()
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }
        try scenario.waitForFinalAnchorOfEverything(timeout: 90)
        let anchors = try scenario.anchors()
        let made = anchors.count - anchorsBefore
        #expect(made >= 1 && made <= 3, "\(made) anchor transactions after the outage")
        #expect(anchors.allSatisfy { $0.state != "abandoned" }, "\(anchors.map(\.state))")
        #expect(anchors.allSatisfy { $0.state == "final" }, "\(anchors.map(\.state))")
        for (device, seq) in [("out-0", 11), ("out-3", 12), ("out-7", 250), ("out-9", 510), ("out-5", 400)] {
            try scenario.exportAndVerify(device: device, seq: seq, ledger: ledger)
        }
        gateway.stopAgent()
    }
}
