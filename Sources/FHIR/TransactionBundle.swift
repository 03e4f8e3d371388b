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
