import Foundation
import JSON
import Merkle
import SHA2
import Testing
@testable import ProofBundle

/// Access event leaves (docs/encoding.md, "Access event leaves"): the
/// documented example byte for byte, one spelling per event and salt, and
/// the names no event may use.
@Suite struct AccessEventTests {
    static let salt: [UInt8] = Array(0..<16)
    static let revoke = AccessEvent(type: "device-revoke", gateway: "ward3-gw1", number: 3, ts: 1_764_072_000_123,
                                    details: ["device": .string("ox-001"), "actor": .string("root")])
    static let documented = #"{"actor":"root","device":"ox-001","gateway":"ward3-gw1","number":3,"salt":"000102030405060708090a0b0c0d0e0f","ts":1764072000123,"type":"device-revoke"}"#

    @Test func theDocumentedExampleByteForByte() throws {
        let leaf = Self.revoke.leafBytes(salt: Self.salt)
        #expect(String(decoding: leaf, as: UTF8.self) == Self.documented)
        // printf '\x00<leaf>' | sha256sum, as docs/encoding.md shows.
        #expect(RFC9162.hashLeaf(leaf).hex == "0012e1ad75e45971d2c06ecbad4ef4f27633d30c9b0f1a7fd2a07d4b20314e85")
        let (event, salt) = try AccessEvent.parseLeaf(leaf)
        #expect(event == Self.revoke && salt == Self.salt)
    }

    @Test func stringsAreEscapedOneWayAndIntegersArePlain() throws {
        let event = AccessEvent(type: "export-bundle", gateway: "gw", number: 1, ts: -5,
                                details: ["for": .string("Dr. Müller \\ \"QA\"\nline2\u{1}"), "leaf": .integer(17)])
        let leaf = event.leafBytes(salt: [UInt8](repeating: 0xff, count: 16))
        let expected = #"{"for":"Dr. Müller \\ \"QA\"\nline2\u0001","gateway":"gw","leaf":17,"number":1,"salt":"ffffffffffffffffffffffffffffffff","ts":-5,"type":"export-bundle"}"#
        #expect(String(decoding: leaf, as: UTF8.self) == expected)
        #expect(try AccessEvent.parseLeaf(leaf).event == event)
    }

    @Test func everyOtherSpellingIsRejected() {
        let leaf = Array(Self.documented.utf8)
        let spellings = [
            Self.documented.replacingOccurrences(of: ",", with: ", "),                                  // whitespace
            Self.documented.replacingOccurrences(of: #""actor":"root","#, with: "") .replacingOccurrences(of: "}", with: #","actor":"root"}"#),  // order
            Self.documented.replacingOccurrences(of: "000102030405060708090a0b0c0d0e0f", with: "000102030405060708090A0B0C0D0E0F"),  // uppercase hex
            Self.documented.replacingOccurrences(of: #""number":3"#, with: #""number":3.0"#),           // not an integer
            Self.documented.replacingOccurrences(of: #""number":3"#, with: #""number":0"#),             // numbers start at 1
            Self.documented.replacingOccurrences(of: #""root""#, with: #""r\u006f\u006ft""#),           // an escape not needed
            Self.documented.replacingOccurrences(of: #""salt":"000102030405060708090a0b0c0d0e0f","#, with: ""),  // no salt
            Self.documented.replacingOccurrences(of: "device-revoke", with: "key-rotation"),            // a rotation's type
            Self.documented.replacingOccurrences(of: #""actor":"root""#, with: #""actor":true"#),       // neither string nor integer
            Self.documented.replacingOccurrences(of: #""actor":"root""#, with: #""Actor":"root""#),     // not a detail name
        ]
        #expect(spellings.allSatisfy { Array($0.utf8) != leaf })
        for spelling in spellings {
            #expect(throws: AccessEvent.FormatError.self, "\(spelling)") { try AccessEvent.parseLeaf(Array(spelling.utf8)) }
        }
    }

    @Test func namesEventsMayNotUse() {
        #expect(!AccessEvent.isValidType(KeyRotation.type))
        #expect(!AccessEvent.isValidType("Device") && !AccessEvent.isValidType("") && !AccessEvent.isValidType(String(repeating: "a", count: 33)))
        #expect(AccessEvent.Kind.allCases.allSatisfy { AccessEvent.isValidType($0.rawValue) })
        for reserved in ["type", "salt", "gateway", "number", "ts"] { #expect(!AccessEvent.isValidDetailName(reserved)) }
        #expect(!AccessEvent.isValidDetailName("a-b") && AccessEvent.isValidDetailName("reading_seq"))
    }

    @Test func aBundlesEventMemberRoundTripsWithoutItsSalt() throws {
        let json = Self.revoke.json
        #expect(json["salt"] == nil && json["number"]?.int64 == 3)
        #expect(try AccessEvent(json: JSONParser.parse(json.serialized())) == Self.revoke)
        var withSalt = json.object!
        withSalt.members.append((key: "salt", value: "00"))
        #expect(throws: AccessEvent.FormatError.self) { try AccessEvent(json: .object(withSalt)) }
    }

    @Test func draftsRoundTripAndBecomeNumberedEvents() throws {
        let draft = AccessEventDraft(.deviceAssign, ts: 42, details: ["device": .string("ox-1"), "patient": .string("Patient/1")])
        let read = try AccessEventDraft(bytes: draft.bytes)
        #expect(read == draft)
        #expect(read.event(gateway: "gw", number: 7) == AccessEvent(type: "device-assign", gateway: "gw", number: 7, ts: 42, details: draft.details))
    }

    @Test func aReadingLeafIsNeverAnAccessEventLeaf() {
        // A reading's leaf has no `type`: the event reader refuses it.
        let reading = #"{"boot":0,"device":"ox-001","hr":72,"salt":"000102030405060708090a0b0c0d0e0f","seq":17,"spo2":97,"ts":1764072000123}"#
        #expect(throws: AccessEvent.FormatError.self) { try AccessEvent.parseLeaf(Array(reading.utf8)) }
    }
}
