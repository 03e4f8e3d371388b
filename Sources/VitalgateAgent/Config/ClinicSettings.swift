/// Where and how readings are delivered to the clinic (docs/fhir.md).
public struct ClinicSettings: Sendable, Equatable {
    /// The FHIR R4 base URL; transaction Bundles are POSTed to it.
    public let url: String
    /// File holding the bearer token; read at each start, never logged.
    public let tokenFile: String?
    /// PEM CAs to trust for https instead of the system store.
    public let caFile: String?
    public let batchSize: Int
    public let timeout: Double
    public let retryCap: Double

    public init(url: String, tokenFile: String?, caFile: String?, batchSize: Int, timeout: Double, retryCap: Double) throws {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw AgentConfig.Invalid("clinic_url must start with http:// or https://, got `\(url)`")
        }
        guard (1...1000).contains(batchSize) else { throw AgentConfig.Invalid("delivery_batch must be within 1...1000 readings") }
        guard timeout > 0 else { throw AgentConfig.Invalid("delivery_timeout must be > 0 seconds") }
        guard retryCap >= 1 else { throw AgentConfig.Invalid("delivery_retry_cap must be at least 1 second") }
        self.url = url
        self.tokenFile = tokenFile
        self.caFile = caFile
        self.batchSize = batchSize
        self.timeout = timeout
        self.retryCap = retryCap
    }
}
