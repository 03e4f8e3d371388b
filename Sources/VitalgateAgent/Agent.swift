import JSON
import Logging
import ServiceLifecycle

/// The running gateway: ingest, checkpoint, anchor and (when `clinic_url`
/// is set) delivery services in one ServiceGroup. SIGTERM or SIGINT shuts them down in order: ingest first
/// (stop taking messages, commit what is held), then the checkpointer (signs
/// a last checkpoint), then the anchorer.
public enum Agent {
    public static func run(config: AgentConfig, logger: Logger) async throws {
        let identity = try GatewayIdentity(home: config.home, gatewayID: config.gatewayID, passphraseFile: config.passphraseFile)
        // The database must exist and be migrated before the services open their own connections;
        // this connection is only for that, and closes at the end of the block.
        do {
            let db = try GatewayDatabase.open(config.home)
            try db.setMeta("gateway_id", config.gatewayID)
            try db.setMeta("public_key", Hex.encode(identity.publicKey.bytes))
            // A database from before patient sealing gets its references sealed here (docs/security.md).
            let sealed = try PatientSealing.setUp(db, cipher: identity.patientCipher)
            if sealed > 0 { logger.notice("sealed \(sealed) patient references left in the clear by an earlier vitalgate") }
        }

        let anchorer = AnchorService(config: config, identity: identity, logger: logger)
        let delivery = config.clinic.map { DeliveryService(config: config, clinic: $0, identity: identity, logger: logger) }
        let checkpointer = CheckpointService(config: config, identity: identity, logger: logger) {
            delivery?.checkpointSigned()
        }
        let storage = StorageService(config: config, logger: logger)
        let ingest = IngestService(config: config, logger: logger, cipher: identity.leafCipher, storage: storage) { size in checkpointer.logGrew(to: size) }

        logger.info("vitalgate \(config.gatewayID) starting: checkpoint every \(config.checkpointInterval) s or \(config.checkpointEvery) readings, anchor every \(config.anchorInterval) s, \(config.confirmations) confirmations")
        // ServiceGroup shuts services down in reverse order of this list.
        // Delivery, when on, is first: it stops last, after ingest and the final checkpoint.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: ThreadService(storage))]
        services += delivery.map { [.init(service: ThreadService($0))] } ?? []
        services += [
            .init(service: ThreadService(anchorer)),
            .init(service: ThreadService(checkpointer)),
            .init(service: ThreadService(ingest)),
        ]
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("vitalgate \(config.gatewayID) stopped")
    }
}
