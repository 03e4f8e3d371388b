import Codecs
import JSON
import SHA2

/// A FHIR R4 transaction Bundle of Observations plus the one Provenance that
/// signs them; every entry is a conditional create, so sending the same
/// Bundle twice creates nothing the second time.
public enum TransactionBundle {
    /// - Parameters:
    ///   - recordedMillis: when the gateway made the Bundle; `Provenance.recorded` and `signature.when`.
    ///   - sign: Ed25519 over `ProvenanceSigning.signedBytes`, with the gateway key.
    /// Precondition: `observations` is not empty and their identifiers are distinct.
    public static func make(gatewayID: String, recordedMillis: Int64, observations: [BuiltObservation],
                            coverage: DeliveryCoverage, sign: ([UInt8]) -> [UInt8]) -> JSONValue {
        precondition(!observations.isEmpty, "a Bundle needs at least one Observation")
        let recorded = FHIRTime.utcMillis(recordedMillis)
        let entities = coverage.entities(gatewayID: gatewayID)
        let signed = ProvenanceSigning.signedBytes(gatewayID: gatewayID, recorded: recorded,
                                                   entities: entities.map(\.0), targets: observations.map(\.identifier))
        let tag = SystemValue(system: VitalgateSystem.provenance, value: SHA256.hash(signed).hex)
        let gateway: JSONValue = ["identifier": ["system": .string(VitalgateSystem.gateway), "value": .string(gatewayID)],
                                  "display": .string("Vitalgate gateway \(gatewayID)")]
        let provenance: JSONValue = .object(JSONObject([
            ("resourceType", "Provenance"),
            ("meta", ["tag": [["system": .string(tag.system), "code": .string(tag.value)]]]),
            ("target", .array(observations.map { ["reference": .string($0.fullUrl)] })),
            ("recorded", .string(recorded)),
            ("agent", [["type": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                                            "code": "assembler", "display": "Assembler"]]],
                        "who": gateway]]),
            ("entity", .array(entities.map { e, display in
                ["role": "source", "what": ["identifier": ["system": .string(e.system), "value": .string(e.value)],
                                            "display": .string(display)]]
            })),
            ("signature", [["type": [["system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.14",
                                      "display": "Source Signature"]],
                            "when": .string(recorded), "who": gateway, "targetFormat": "text/plain",
                            "sigFormat": "application/octet-stream", "data": .string(Base64.encode(sign(signed)))]]),
        ]))
        var entries: [JSONValue] = observations.map { o in
            entry(fullUrl: o.fullUrl, resource: o.resource, type: "Observation", condition: "identifier=" + queryEscaped(o.identifier.token))
        }
        entries.append(entry(fullUrl: NameUUID.urn(tag.token), resource: provenance, type: "Provenance",
                             condition: "_tag=" + queryEscaped(tag.token)))
        return ["resourceType": "Bundle", "type": "transaction", "entry": .array(entries)]
    }

    static func entry(fullUrl: String, resource: JSONValue, type: String, condition: String) -> JSONValue {
        ["fullUrl": .string(fullUrl), "resource": resource,
         "request": ["method": "POST", "url": .string(type), "ifNoneExist": .string(condition)]]
    }

    /// Percent-encodes all but RFC 3986 unreserved characters, `:` and `/`
    /// (so `|` becomes `%7C`): the value stays one query parameter.
    public static func queryEscaped(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            let c = Unicode.Scalar(byte)
            let plain = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "-._~:/".unicodeScalars.contains(c)
            if plain {
                out.unicodeScalars.append(c)
            } else {
                out += "%" + Hex.encode([byte]).uppercased()
            }
        }
        return out
    }
}

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

/// Deterministic `urn:uuid:` names for Bundle entries, so the same content
/// always gets the same fullUrl and a resent Bundle is byte for byte the
/// one sent before.
public enum NameUUID {
    /// A UUID (RFC 9562 version 8, custom) from the first 16 bytes of
    /// SHA-256(`name`), with the version and variant bits set.
    public static func urn(_ name: String) -> String {
        var b = Array(SHA256.hash(Array(name.utf8)).bytes.prefix(16))
        b[6] = (b[6] & 0x0F) | 0x80  // version 8
        b[8] = (b[8] & 0x3F) | 0x80  // variant 10
        let hex = Hex.encode(b)
        func part(_ from: Int, _ to: Int) -> Substring {
            hex[hex.index(hex.startIndex, offsetBy: from)..<hex.index(hex.startIndex, offsetBy: to)]
        }
        return "urn:uuid:\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }
}

/// A literal reference to the patient a device is assigned to, e.g.
/// `Patient/123`: the type and a FHIR logical id (`[A-Za-z0-9\-\.]{1,64}`,
/// FHIR R4 datatypes `id`), relative to the clinic server's base URL.
public enum PatientReference {
    public static func isValid(_ reference: String) -> Bool {
        let prefix = "Patient/"
        guard reference.hasPrefix(prefix) else { return false }
        let id = reference.utf8.dropFirst(prefix.utf8.count)
        return (1...64).contains(id.count) && id.allSatisfy { c in
            (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
                || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
        }
    }

    public static let syntaxHelp = "a patient reference must be `Patient/<id>` with an id of 1-64 letters, digits, '-' or '.'"
}
