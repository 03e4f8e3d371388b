import Foundation
import SQLiteStore
import Testing
import TestSupport

/// Client ids are bound to user names in the shipped gateway broker
/// configuration (`use_username_as_clientid`, issue 11): a device with its own
/// valid password that sends the agent's client id, or another device's,
/// replaces nobody's session.
@Suite(.serialized)
struct SecurityClientIDTests {
    /// What one run of the takeover attempts left behind.
    struct Outcome {
        /// Whether each attacker (th-2, th-3, th-4) got in at all.
        var attackersConnected: [Bool]
        /// The broker's log lines saying it closed a session for a newcomer with the same id.
        var takeovers: [String]
        var brokerLog: String
        /// Lines where the agent says the broker closed its connection (its own disconnect on stopping is not such a line).
        var agentLosses: [String]
        /// How often th-1, the honest device, lost its connection.
        var victimDisconnects: Int
        /// th-1's readings in the database, by seq.
        var stored: [Int64]
        /// th-1's seqs acknowledged end to end to th-1.
        var acked: Set<UInt64>
    }

    static let gatewayID = "test-gw"
    static let readings = 1...15
    /// Published while the agent is stopped, after the attempts (bound run only).
    static let whileAgentAway = 16...18

    /// The agent runs with its default client id (`vitalgate-test-gw`); th-1
    /// publishes; th-2 connects with the agent's configured id, th-3 with
    /// th-1's, th-4 with the agent's user name (its id where ids are bound),
    /// each with its own password, over TLS like any device, and they stay
    /// connected (reconnecting if closed) while th-1 goes on publishing.
    /// With `bound == false` the broker runs the shipped configuration without
    /// `use_username_as_clientid` (the control).
    func attempt(bound: Bool) throws -> Outcome {
        let setup = try SecuredGateway(devices: [("th-1", "thermometer"), ("th-2", "thermometer"),
                                                 ("th-3", "thermometer"), ("th-4", "thermometer")],
                                       removing: bound ? [] : ["use_username_as_clientid"])
        defer { setup.remove() }
        let gateway = setup.gateway
        try gateway.startAgentAndWaitForBroker(setup.agentArguments)

        let victim = try setup.device("th-1", clientID: "th-1")
        defer { victim.stop() }
        try #require(victim.connected, "th-1 could not log in: \(setup.broker.output())")
        try victim.client.subscribe("vitals/th-1/ack", qos: 1)
        for seq in Self.readings.prefix(5) {
            try victim.publish("vitals/th-1", SecureDevice.thermometer(device: "th-1", seq: seq, temp: "36.\(seq % 10)"))
        }
        try gateway.waitForStatus(timeout: 20, "th-1's first 5 readings stored") { $0["stored"]?.int64 == 5 }

        let attackers = try [("th-2", "vitalgate-\(Self.gatewayID)"), ("th-3", "th-1"), ("th-4", "vitalgate-agent")].map {
            try setup.device($0.0, clientID: $0.1)
        }
        defer { attackers.forEach { $0.stop() } }
        for seq in Self.readings.dropFirst(5) {
            try victim.publish("vitals/th-1", SecureDevice.thermometer(device: "th-1", seq: seq, temp: "36.\(seq % 10)"))
        }
        if bound {
            try gateway.waitForStatus(timeout: 20, "all \(Self.readings.count) of th-1's readings stored") {
                $0["stored"]?.int64 == Int64(Self.readings.count)
            }
            try waitUntil(timeout: 20, "th-1's acks for its readings") {
                victim.acked.isSuperset(of: Self.readings.map { UInt64($0) })
            }
            // The agent's persistent session (clean session off) is kept under
            // its user name: what th-1 publishes while the agent is stopped
            // waits in the broker and arrives when it is back (th-1 does not resend).
            gateway.stopAgent()
            for seq in Self.whileAgentAway {
                try victim.publish("vitals/th-1", SecureDevice.thermometer(device: "th-1", seq: seq, temp: "36.\(seq % 10)"))
            }
            try gateway.startAgent(setup.agentArguments)
            try gateway.waitForStatus(timeout: 20, "th-1's readings from while the agent was away stored") {
                $0["stored"]?.int64 == Int64(Self.readings.count + Self.whileAgentAway.count)
            }
            try waitUntil(timeout: 20, "th-1's acks for all its readings") {
                victim.acked.isSuperset(of: (Self.readings.map { UInt64($0) } + Self.whileAgentAway.map { UInt64($0) }))
            }
        } else {
            try waitUntil(timeout: 20, "the broker to close the agent's and th-1's sessions") {
                let log = setup.broker.output()
                return log.contains("Client vitalgate-\(Self.gatewayID) already connected")
                    && log.contains("Client th-1 already connected")
            }
        }
        // Any kicking that follows a takeover (the agent reconnects within about a second) shows by now.
        usleep(1_500_000)

        let log = setup.broker.output()
        let db = try gateway.readOnlyDatabase()
        let stored = try db.prepare("SELECT seq FROM readings WHERE device = 'th-1' ORDER BY seq").rows { $0.int64(0) }
        return Outcome(
            attackersConnected: attackers.map(\.connected),
            takeovers: log.split(separator: "\n").map(String.init).filter { $0.contains("already connected, closing old connection") },
            brokerLog: log,
            agentLosses: gateway.agentLogs().split(separator: "\n").map(String.init).filter { $0.contains("broker 127.0.0.1:") && $0.hasSuffix("; reconnecting") },
            victimDisconnects: victim.disconnects,
            stored: stored,
            acked: victim.acked)
    }

    @Test func devicesSendingTheAgentsOrAnotherDevicesClientIDTakeOverNoSession() throws {
        let outcome = try attempt(bound: true)
        // The attempts were made: every attacker was let in, under its own user name as its id.
        #expect(outcome.attackersConnected == [true, true, true])
        for user in ["th-2", "th-3", "th-4"] {
            #expect(outcome.brokerLog.contains(" as \(user) (") && outcome.brokerLog.contains("u'\(user)')"),
                    "\(user) did not connect under its user name:\n\(outcome.brokerLog)")
        }
        // The agent's session is the agent's: it connected (twice, around its
        // restart) as its user name, whatever its configured id, with clean session off.
        let agentConnections = outcome.brokerLog.components(separatedBy: " as vitalgate-agent (p2, c0,").count - 1
        #expect(agentConnections == 2, "\(outcome.brokerLog)")
        #expect(!outcome.brokerLog.contains(" as vitalgate-\(Self.gatewayID) ("))
        #expect(outcome.takeovers.isEmpty, "the broker closed sessions: \(outcome.takeovers)")
        #expect(outcome.agentLosses.isEmpty, "the agent lost its broker session: \(outcome.agentLosses)")
        #expect(outcome.victimDisconnects == 0, "th-1 was disconnected")
        let all = Array(Self.readings) + Array(Self.whileAgentAway)
        #expect(outcome.stored == all.map { Int64($0) })
        #expect(outcome.acked.isSuperset(of: all.map { UInt64($0) }))
    }

    /// Control: the same attempts against the same configuration without the
    /// binding do take over the agent's session and th-1's, so the test above can fail.
    @Test func withoutTheBindingTheSameAttemptsKickTheAgentAndTheDeviceOff() throws {
        let outcome = try attempt(bound: false)
        #expect(outcome.attackersConnected == [true, true, true])
        #expect(outcome.takeovers.contains { $0.contains("Client vitalgate-\(Self.gatewayID) already connected") }, "\(outcome.takeovers)")
        #expect(outcome.takeovers.contains { $0.contains("Client th-1 already connected") }, "\(outcome.takeovers)")
        #expect(!outcome.agentLosses.isEmpty, "the agent kept its session without the binding")
        #expect(outcome.victimDisconnects > 0, "th-1 kept its session without the binding")
    }
}
