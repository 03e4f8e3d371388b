import Codecs
import FHIR
import Foundation
import JSON
import SHA2
import Sodium
import Testing
import TestSupport

struct BundleTests {
    static let key: Ed25519SecretKey = {
        try! Sodium.initialize()
        return try! Ed25519SecretKey.generate()
    }()

    static func bundle() throws -> (JSONValue, [BuiltObservation]) {
        var observations: [BuiltObservation] = []
        for (reading, profile) in try Samples.everyProfile() { observations += VitalSignObservations.make(reading, Samples.context(profile)) }
        let bundle = TransactionBundle.make(gatewayID: "ward3-gw1", recordedMillis: 1_764_072_001_000, observations: observations,
                                            coverage: Samples.coverage, sign: { key.sign($0) })
        return (bundle, observations)
    }

    @Test func everyEntryIsAConditionalCreateAndProvenanceSignsTheDocumentedBytes() throws {
        let (bundle, observations) = try Self.bundle()
        let entries = bundle["entry"]?.array ?? []
        #expect(bundle["type"]?.string == "transaction")
        #expect(entries.count == observations.count + 1)
        #expect(entries[0]["request"]?["ifNoneExist"]?.string == "identifier=urn:vitalgate:observation%7Cward3-gw1/ox-1/2/17/2708-6")
        let provenance = entries.last?["resource"]
        #expect(provenance?["target"]?.array?.compactMap { $0["reference"]?.string } == observations.map(\.fullUrl))
        let expected = """
            vitalgate-fhir-provenance-v1
            gateway ward3-gw1
            recorded 2025-11-25T12:00:01.000Z
            entity urn:vitalgate:checkpoint|ward3-gw1/100/\(String(repeating: "ab", count: 32))
            entity urn:vitalgate:anchor|\(String(repeating: "cd", count: 32))
            entity urn:vitalgate:anchor-block|812/\(String(repeating: "0e", count: 32))
            entity urn:vitalgate:leaf|ward3-gw1/17/\(String(repeating: "01", count: 32))
            entity urn:vitalgate:leaf|ward3-gw1/42/\(String(repeating: "02", count: 32))

            """ + observations.map { "target urn:vitalgate:observation|\($0.identifier.value)\n" }.joined()
        let signed = Array(expected.utf8)
        let signature = Base64.decode(provenance?["signature"]?.array?.first?["data"]?.string ?? "") ?? []
        #expect(Self.key.publicKey.isValidSignature(signature, for: signed))
        #expect(!Self.key.publicKey.isValidSignature(signature, for: signed.dropLast()))
        #expect(provenance?["meta"]?["tag"]?.array?.first?["code"]?.string == Hex.encode(SHA256.hash(signed).bytes))
        #expect(entries.last?["request"]?["ifNoneExist"]?.string == "_tag=urn:vitalgate:provenance%7C" + Hex.encode(SHA256.hash(signed).bytes))
    }

    @Test func theSameInputGivesTheSameBytes() throws {
        #expect(try Self.bundle().0.serialized() == Self.bundle().0.serialized())
    }

    /// Every profile's Observations, in a Bundle and alone, pass an independent
    /// R4 implementation (fhir.resources) and the vital-signs rules of validate.py.
    @Test func bundlesAndObservationsValidateIndependently() throws {
        let dir = try TemporaryDirectory("vitalgate-fhir")
        defer { dir.remove() }
        let (bundle, observations) = try Self.bundle()
        try bundle.serialized(pretty: true).write(toFile: dir.file("bundle.json"), atomically: true, encoding: .utf8)
        try observations.map { $0.resource.serialized() + "\n" }.joined().write(toFile: dir.file("observations.ndjson"), atomically: true, encoding: .utf8)
        let result = try validateFHIR([dir.file("bundle.json"), dir.file("observations.ndjson")])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("checked \(observations.count + 1) resources"))
    }

    /// The validator is not a rubber stamp: each broken rule is reported.
    @Test func theValidatorRejectsWhatBreaksTheProfile() throws {
        let dir = try TemporaryDirectory("vitalgate-fhir")
        defer { dir.remove() }
        let (_, observations) = try Self.bundle()
        let spo2 = observations[0].resource.serialized()
        let bp = observations[2].resource.serialized()
        let broken = [
            spo2.replacingOccurrences(of: #""unit":"%","system":"http://unitsofmeasure.org","code":"%""#, with: #""unit":"%","system":"http://unitsofmeasure.org","code":"/min""#),
            spo2.replacingOccurrences(of: "vital-signs", with: "laboratory"),
            spo2.replacingOccurrences(of: "59408-5", with: "59407-7"),
            spo2.replacingOccurrences(of: "Patient/123", with: "Group/1"),
            spo2.replacingOccurrences(of: #""status":"final""#, with: #""status":"done""#),
            bp.replacingOccurrences(of: "8462-4", with: "8867-4"),
            spo2.replacingOccurrences(of: #""resourceType":"Observation""#, with: #""resourceType":"Observation","colour":"red""#),
        ]
        for (i, text) in broken.enumerated() {
            #expect(text != (i == 5 ? bp : spo2), "mutation \(i) changed nothing")
            try text.write(toFile: dir.file("broken-\(i).json"), atomically: true, encoding: .utf8)
            let result = try validateFHIR([dir.file("broken-\(i).json")])
            #expect(result.status != 0, "mutation \(i) passed: \(text)")
        }
    }
}
