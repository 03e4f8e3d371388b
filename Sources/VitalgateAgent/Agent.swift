import Codecs
import JSON
import LedgerRPC
import Logging
import ServiceLifecycle

/// The running gateway: ingest, checkpoint, anchor and (when `clinic_url`
/// is set) delivery services in one ServiceGroup. SIGTERM or SIGINT shuts them down in order: ingest first
/// (stop taking messages, commit what is held), then the checkpointer (signs
/// a last checkpoint), then the anchorer.
public enum Agent {
    /// - Parameter environment: the process environment (systemd's `NOTIFY_SOCKET` and `WATCHDOG_USEC`).
    public static func run(config: AgentConfig, logger: Logger, environment: [String: String] = [:]) async throws {
        let identity = try GatewayIdentity(home: config.home, gatewayID: config.gatewayID, passphraseFile: config.passphraseFile)
        // The database must exist and be migrated before the services open their own connections;
        // this connection is only for that, and closes at the end of the block.
        let forkGuard = ForkGuard()
        do {
            let db = try GatewayDatabase.open(config.home)
            try db.setMeta("gateway_id", config.gatewayID)
            try db.setMeta("public_key", Hex.encode(identity.publicKey.bytes))
            // An anchor state this version does not know stops the agent here,
            // before the anchor thread could act on a guess (a rebroadcast).
            try AnchorTable(db).checkStoredStates()
            // A database from before patient sealing gets its references sealed here (docs/security.md).
            let sealed = try PatientSealing.setUp(db, cipher: identity.patientCipher)
            if sealed > 0 { logger.notice("sealed \(sealed) patient references left in the clear by an earlier vitalgate") }
            // The access trail records settings that changed since the last start (docs/audit.md).
            let changed = try AccessTrail.recordConfiguration(db, settings: config.resolvedSettings, at: WallClock.nowMillis())
            if !changed.isEmpty { logger.notice("settings changed since the last start: \(changed.joined(separator: ", ")) (recorded in the access trail)") }
            // A gateway never forks itself: nothing is signed over a database the ledger contradicts (docs/audit.md).
            let archive = config.storage.archiveDirectory.map { TileArchive(directory: $0) }
            try ForkGuard.checkNewestCheckpoint(db, origin: identity.origin, archive: archive)
            do {
                if let refusal = try forkGuard.checkLedger(db, endpoints: config.ledgerEndpoints, currentKey: identity.publicKey.bytes,
                                                           home: config.home, archive: archive) {
                    throw StoreError(refusal)
                }
            } catch let error as LedgerError {
                logger.warning("the ledger could not be asked for this gateway's anchors (\(error)); nothing is anchored until it has been")
            } catch let error as TileArchive.Failure {
                // An anchored tree whose hashes are in an archive that is not there: undecided, like
                // a silent ledger. The anchor service checks again before its first anchor.
                logger.warning("the ledger's anchors could not be checked against this database (\(error)); nothing is anchored until they have been")
            }
        }

        // What each part is doing, for status, systemd and the metrics (docs/operations.md).
        let startedAt = WallClock.nowMillis()
        let board = StatusBoard(OperationsService.initialStates(config, at: startedAt))
        let anchorer = AnchorService(config: config, identity: identity, logger: logger, board: board, forkGuard: forkGuard)
        let delivery = config.clinic.map { DeliveryService(config: config, clinic: $0, identity: identity, logger: logger, board: board) }
        let checkpointer = CheckpointService(config: config, identity: identity, logger: logger, forkGuard: forkGuard) {
            delivery?.checkpointSigned()
        }
        let storage = StorageService(config: config, logger: logger)
        let ingest = IngestService(config: config, logger: logger, cipher: identity.leafCipher, patients: identity.patientCipher, board: board,
                                   storage: storage) { size in
            checkpointer.logGrew(to: size)
        }
        let operations = OperationsService(config: config, board: board, ingest: ingest, anchorer: anchorer, storage: storage,
                                           notifier: SystemdNotifier(environment: environment), logger: logger, startedAt: startedAt)

        logger.notice("vitalgate \(VitalgateVersion.current) for gateway \(config.gatewayID) starting: checkpoint every \(config.checkpointInterval) s or \(config.checkpointEvery) readings, anchor every \(config.anchorInterval) s, \(config.confirmations) confirmations")
        // ServiceGroup shuts services down in reverse order of this list.
        // Operations is first: it stops last, recording the clean stop. Then
        // storage (it checkpoints the WAL as it stops), then delivery, when on:
        // it stops after ingest and the final checkpoint.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: ThreadService(operations)), .init(service: ThreadService(storage))]
        services += delivery.map { [.init(service: ThreadService($0))] } ?? []
        services += [
            .init(service: ThreadService(anchorer)),
            .init(service: ThreadService(checkpointer)),
            .init(service: ThreadService(ingest, onShutdown: { operations.shutdownBegins() })),
        ]
        // A part whose thread ended by itself (ThreadService throws) stops the
        // others in the same order as SIGTERM does; `run` then fails, and so does the process.
        for i in services.indices { services[i].failureTerminationBehavior = .gracefullyShutdownGroup }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.notice("vitalgate \(config.gatewayID) stopped cleanly")
    }
}
