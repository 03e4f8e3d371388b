import SQLiteStore

/// The ingest thread appends recorded access events to the log (it is the
/// log's one writer while the agent runs; docs/audit.md, "Who appends"):
/// at start, then at most once per `interval`, and before it stops. A
/// failure is logged and retried; it never stops ingest.
struct AccessTrailPoll {
    static let interval = Duration.seconds(1)
    /// When the next append is due; nil: at once.
    var next: ContinuousClock.Instant?
    /// When a failure was last logged; nil: none yet.
    var lastError: ContinuousClock.Instant?

    var isDue: Bool { next.map { ContinuousClock.now >= $0 } ?? true }

    mutating func append(_ log: ReadingLog, _ service: IngestService) {
        next = .now + Self.interval
        guard let patients = service.patients else { return }
        do {
            let appended = try log.appendAccessEvents(opener: patients, gatewayID: service.config.gatewayID)
            guard !appended.isEmpty else { return }
            for (index, event) in appended {
                service.logger.info("access event #\(event.number) \(event.type) appended as leaf \(index)")
            }
            service.onCommitted(log.treeSize)
        } catch {
            if lastError.map({ $0.duration(to: .now) >= .seconds(60) }) ?? true {
                service.logger.error("access events could not be appended to the log (retrying): \(error)")
                lastError = .now
            }
        }
    }
}
