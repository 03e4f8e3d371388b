/// The identifier systems Vitalgate mints (docs/fhir.md). Values never hold
/// `|`, `,`, `$` or `\`, so they go into FHIR token searches unescaped.
public enum VitalgateSystem {
    /// `<gateway>/<device>/<boot>/<seq>/<loinc>`: one per Observation.
    public static let observation = "urn:vitalgate:observation"
    /// `<gateway>/<device>`: the wearable, in `Observation.device`.
    public static let device = "urn:vitalgate:device"
    /// `<gateway>`: the gateway, agent and signer of every Provenance.
    public static let gateway = "urn:vitalgate:gateway"
    /// `<gateway>/<tree size>/<root hex>`: the signed checkpoint covering a Bundle's readings.
    public static let checkpoint = "urn:vitalgate:checkpoint"
    /// `<txid>`: the anchor transaction of that checkpoint.
    public static let anchor = "urn:vitalgate:anchor"
    /// `<height>/<block hash>`: the block holding the anchor, when known.
    public static let anchorBlock = "urn:vitalgate:anchor-block"
    /// `<gateway>/<leaf index>/<leaf hash hex>`: a reading's leaf in the gateway's log.
    public static let leaf = "urn:vitalgate:leaf"
    /// The URL of the Observation extension whose `valueBase64Binary` is the
    /// reading's leaf data (docs/encoding.md), salt included, so the clinic
    /// recomputes the leaf hash the Provenance names (docs/fhir.md).
    public static let leafData = "urn:vitalgate:leaf-data"
    /// Provenance `meta.tag` code: hex SHA-256 of the signed bytes (its conditional-create key).
    public static let provenance = "urn:vitalgate:provenance"
}

/// An identifier (system and value), as in FHIR's `Identifier` and `Coding`.
public struct SystemValue: Sendable, Equatable, Hashable {
    public let system: String
    public let value: String

    public init(system: String, value: String) {
        self.system = system
        self.value = value
    }

    /// `system|value`, the FHIR token search form.
    public var token: String { system + "|" + value }
}
