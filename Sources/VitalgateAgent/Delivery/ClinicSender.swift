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

    /// What a round of sending came to.
    enum Round: Equatable {
        /// Nothing is left to send; `refused` names a batch the clinic refused for good on the way.
        case upToDate(delivered: Int, refused: String?)
        /// A batch must wait for a retry, for this reason (in words, for `status`).
        case retryLater(String)
    }

    /// One attempt at one batch.
    enum Attempt {
        case delivered, refused(String), retry(String)
    }

    /// Sends batches until none is left or one must wait for a retry.
    func deliverAll(logger: Logger, shouldStop: () -> Bool) throws -> Round {
        var delivered = 0
        var refused: String?
        while !shouldStop() {
            switch try queue.next(batchSize: batchSize, now: Clock.nowMillis()) {
            case .idle: return .upToDate(delivered: delivered, refused: refused)
            case .progress: continue
            case .batch(let id):
                guard let batch = try queue.batch(id) else { return .upToDate(delivered: delivered, refused: refused) }
                switch try send(batch, logger: logger) {
                case .delivered: delivered += batch.items.count
                case .refused(let why): refused = why
                case .retry(let why): return .retryLater(why)
                }
            }
        }
        return .upToDate(delivered: delivered, refused: refused)
    }

    /// One attempt at one batch.
    func send(_ batch: DeliveryBatch, logger: Logger) throws -> Attempt {
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
            return .delivered
        case .refused(let status, let body):
            // The body goes to the database only: an OperationOutcome may quote the values sent.
            try queue.markFailed(batch.id, status: status, error: body, now: now, clinic: clinic.url)
            logger.error("clinic refused batch \(batch.id) (\(batch.items.count) readings) with HTTP \(status); the answer is kept in delivery_batches.last_error")
            return .refused("the clinic refused batch \(batch.id) (\(batch.items.count) readings) for good with HTTP \(status); its answer is in delivery_batches.last_error")
        case .retry(let status, let reason):
            if case .failure(.cancelled) = result { return .retry("stopping") }
            try queue.recordRetry(batch.id, status: status, error: reason, now: now)
            logger.warning("batch \(batch.id) not delivered (attempt \(batch.attempts + 1)): \(reason)")
            return .retry(Self.words(status: status, reason: reason, attempt: Int(batch.attempts) + 1))
        }
    }

    /// A retried answer in words for `status`: what the clinic said and what to check.
    static func words(status: Int?, reason: String, attempt: Int) -> String {
        let what: String
        switch status {
        case 401?: what = "the clinic refused the gateway's credentials (HTTP 401): check clinic_token_file"
        case 403?: what = "the clinic forbids the gateway (HTTP 403): check clinic_token_file and the clinic's permissions for it"
        case 407?: what = "a proxy wants credentials (HTTP 407)"
        case 408?: what = "the clinic timed out the request (HTTP 408)"
        case 429?: what = "the clinic asks to slow down (HTTP 429)"
        case let s? where s >= 500: what = "the clinic's server failed (HTTP \(s))"
        case .some: what = "the clinic answered: \(reason)"
        case nil: what = "cannot reach the clinic: \(reason)"
        }
        return "\(what); \(attempt) attempt\(attempt == 1 ? "" : "s") so far, resending the same batch with backoff"
    }
}
