import CurlHTTP
import JSON
import Logging
import SQLiteStore

/// The delivery thread's connection to its database and to the clinic.
struct ClinicSender {
    let queue: DeliveryQueue
    let db: Database
    let clinic: ClinicSettings
    let identity: GatewayIdentity
    let headers: [String]
    let cancellation: HTTPCancellation
    let batchSize: Int

    init(config: AgentConfig, clinic: ClinicSettings, identity: GatewayIdentity, cancellation: HTTPCancellation) throws {
        db = try GatewayDatabase.open(config.home)
        queue = DeliveryQueue(db, cipher: identity.leafCipher, patients: identity.patientCipher)
        self.clinic = clinic
        self.identity = identity
        self.cancellation = cancellation
        batchSize = clinic.batchSize
        var headers = ["Content-Type: application/fhir+json", "Accept: application/fhir+json"]
        if let file = clinic.tokenFile {
            let token = try Files.readText(file).trimmingSpaces().filter { $0 != "\n" }
            guard !token.isEmpty else { throw AgentConfig.Invalid("clinic_token_file \(file) is empty") }
            headers.append("Authorization: Bearer \(token)")
        }
        self.headers = headers
    }

    /// Sends batches until none is left (true) or one must wait for a retry (false).
    func deliverAll(logger: Logger, shouldStop: () -> Bool) throws -> Bool {
        while !shouldStop() {
            switch try queue.next(batchSize: batchSize, now: Clock.nowMillis()) {
            case .idle: return true
            case .progress: continue
            case .batch(let id):
                guard let batch = try queue.batch(id) else { return true }
                if try !send(batch, logger: logger) { return false }
            }
        }
        return true
    }

    /// One attempt at one batch; false when it is to be retried later.
    func send(_ batch: DeliveryBatch, logger: Logger) throws -> Bool {
        let (bundle, entries) = BatchBundle.make(batch, identity: identity)
        let request = HTTPRequest(url: clinic.url, headers: headers, body: bundle.serializedUTF8(),
                                  timeoutSeconds: clinic.timeout, caFile: clinic.caFile)
        let result: Result<HTTPResponse, HTTPFailure>
        do { result = .success(try CurlHTTP.post(request, cancellation: cancellation)) } catch { result = .failure(error) }
        let now = Clock.nowMillis()
        switch ClinicAnswer.classify(result, sentEntries: entries) {
        case .delivered(let status):
            try queue.markDelivered(batch.id, status: status, now: now, clinic: clinic.url)
            logger.info("delivered batch \(batch.id): \(batch.items.count) readings, \(entries - 1) observations")
            return true
        case .refused(let status, let body):
            // The body goes to the database only: an OperationOutcome may quote the values sent.
            try queue.markFailed(batch.id, status: status, error: body, now: now, clinic: clinic.url)
            logger.error("clinic refused batch \(batch.id) (\(batch.items.count) readings) with HTTP \(status); the answer is kept in delivery_batches.last_error")
            return true
        case .retry(let status, let reason):
            if case .failure(.cancelled) = result { return false }
            try queue.recordRetry(batch.id, status: status, error: reason, now: now)
            logger.warning("batch \(batch.id) not delivered (attempt \(batch.attempts + 1)): \(reason)")
            return false
        }
    }
}
