import Foundation
import JSON
import Testing
import TestSupport

/// Three connected regtest nodes; the agent anchors through the first, which
/// is SIGKILLed; it goes on through the second, its anchors confirm, and the
/// readings that arrived during the switch are anchored (issue 4's acceptance).
@Suite(.serialized)
struct AnchorFailoverTests {
    @Test func whenTheNodeInUseIsKilledTheNextOneTakesOver() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let nodes = try LedgerNode.network(3, name: "failover")
        defer { nodes.forEach { $0.stop() } }
        let (first, second, third) = (nodes[0], nodes[1], nodes[2])
        let devices = [("fo-0", "thermometer"), ("fo-1", "smartwatch")]
        // Each node has its own wallet "vitalgate" with its own coins; each writes its own cookie.
        let gateway = try GatewayFixture(settings: [
            "mqtt_port": String(broker.port),
            "ledger_url": "\(first.url),\(second.url),\(third.url)",
            "ledger_cookie": "\(first.cookieFile),\(second.cookieFile),\(third.cookieFile)",
            "checkpoint_interval": "1", "checkpoint_every": "1000", "anchor_interval": "1", "confirmations": "2",
        ], devices: devices)
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        // Blocks come from the third node and reach the others by P2P.
        let miner = BlockProducer(third, interval: 1)
        defer { miner.stop() }
        var scenario = AnchorScenario(gateway: gateway, brokerPort: broker.port, devices: devices)
        try scenario.publish(rounds: 30)
        try scenario.waitForFinalAnchorOfEverything(timeout: 60)
        #expect(try scenario.anchors().allSatisfy { $0.endpoint == first.url })

        // The node in use dies; readings keep arriving through the switch.
        first.kill9()
        let anchoredBefore = try scenario.anchors().count
        try scenario.publish(rounds: 30)
        usleep(500_000)
        try scenario.publish(rounds: 30)
        try scenario.waitForFinalAnchorOfEverything(timeout: 60)

        let after = try scenario.anchors().dropFirst(anchoredBefore)
        #expect(!after.isEmpty)
        #expect(after.allSatisfy { $0.endpoint == second.url }, "\(after.map(\.endpoint))")
        #expect(after.contains { $0.state == "final" })
        #expect(gateway.agentLogs().contains("switching to \(second.url)"))
        let status = try gateway.status()
        #expect(status["ledger"]?["state"]?.string == "reachable")
        #expect(status["ledger"]?["detail"]?.string == second.url)
        // A reading from before the kill, and readings from during the switch, verify on the surviving nodes.
        try scenario.exportAndVerify(device: "fo-0", seq: 1, ledger: second)
        try scenario.exportAndVerify(device: "fo-1", seq: 31, ledger: second)
        try scenario.exportAndVerify(device: "fo-0", seq: 90, ledger: third)
        gateway.stopAgent()
    }
}
