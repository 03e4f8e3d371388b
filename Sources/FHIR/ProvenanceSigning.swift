/// The byte string a Provenance's signature covers (docs/fhir.md, "The
/// signature"): UTF-8 text, one item per line, each line ending in LF:
///
///     vitalgate-fhir-provenance-v1
///     gateway <gateway id>
///     recorded <Provenance.recorded>
///     entity <system>|<value>      one per Provenance.entity, in order
///     target <system>|<value>      identifier[0] of each target Observation, in target order
///
/// Everything in it is in the delivered Bundle, so a clinic rebuilds it from
/// what it received and checks the Ed25519 signature with the gateway's key.
public enum ProvenanceSigning {
    public static let header = "vitalgate-fhir-provenance-v1"

    /// Precondition: no value holds a line feed (gateway ids, identifiers and
    /// FHIR instants never do).
    public static func signedBytes(gatewayID: String, recorded: String, entities: [SystemValue], targets: [SystemValue]) -> [UInt8] {
        var text = header + "\n" + "gateway \(gatewayID)\n" + "recorded \(recorded)\n"
        for e in entities { text += "entity \(e.token)\n" }
        for t in targets { text += "target \(t.token)\n" }
        precondition(text.utf8.filter { $0 == 0x0A }.count == 3 + entities.count + targets.count, "a signed value holds a line feed")
        return Array(text.utf8)
    }
}
