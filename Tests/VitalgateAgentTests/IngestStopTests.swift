import Logging
import Sodium
import TestSupport
import Testing
import VitalgateAgent
#if canImport(Glibc)
import Glibc
#endif

/// The ingest service stopped from the service task while its own thread has
/// just made the broker client: `stopAndJoin` must see that client (and stop
/// it) through the same lock the ingest thread set it under. Built with
/// `-sanitize=thread` (`make test-tsan`), an unsynchronised hand-over is
/// reported even when the timing happens to work out.
@Suite struct IngestStopTests {
    @Test func stopSeesTheClientTheIngestThreadMade() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let home = try TemporaryDirectory("vitalgate-ingest-stop")
        defer { home.remove() }
        let config = try AgentConfig(home: GatewayHome(path: home.path),
                                     file: ConfigFile(parsing: "gateway_id = gw-stop\nmqtt_port = \(broker.port)\nledger_user = u\nledger_password = p"),
                                     overrides: [:], environment: [:])
        let board = StatusBoard(OperationsService.initialStates(config, at: 0))
        let ingest = IngestService(config: config, logger: Logger(label: "ingest-stop-test"),
                                   cipher: LeafCipher(key: try DataKey(bytes: [UInt8](repeating: 7, count: 32))),
                                   board: board) { _ in }
        ingest.start()
        // Time for the ingest thread to open the database and make and start
        // its client (milliseconds, also under ThreadSanitizer). A sleep, not
        // a poll of the broker's log: ThreadSanitizer counts any file read
        // after any file write as synchronisation, which would hide the race.
        usleep(2_000_000)
        ingest.stopAndJoin()
        // The client the thread made was stopped by `stopAndJoin`, not left
        // to the service's release: the broker saw it come and go while
        // `ingest` is still alive.
        try waitUntil(timeout: 10, "the broker to see the agent disconnect") {
            broker.output().contains("Client \(config.mqttClientID) disconnected")
        }
        #expect(broker.output().contains("as \(config.mqttClientID)"), "the agent's client never connected: \(broker.output())")
        withExtendedLifetime(ingest) {}
    }
}
