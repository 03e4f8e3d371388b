import FHIR
import Foundation
import Testing

struct FHIRTimeTests {
    @Test func knownInstants() {
        #expect(FHIRTime.utcMillis(0) == "1970-01-01T00:00:00.000Z")
        #expect(FHIRTime.utcMillis(1_764_072_000_123) == "2025-11-25T12:00:00.123Z")  // docs/encoding.md's example
        #expect(FHIRTime.utcMillis(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(FHIRTime.utcMillis(-1) == "1969-12-31T23:59:59.999Z")
        #expect(FHIRTime.utcMillis(253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
        #expect(FHIRTime.utcMillis(-62_135_596_800_000) == "0001-01-01T00:00:00.000Z")
    }

    /// Agrees with Foundation's Gregorian calendar on random instants from year 1 to 9999.
    @Test func agreesWithFoundation() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            // From 1583 on: Foundation switches to the Julian calendar before the Gregorian reform.
            let ms = Int64.random(in: -12_212_553_600_000...253_402_300_799_999, using: &rng)
            let ours = FHIRTime.utcMillis(ms)
            // Compare to the second: Date's Double can round the millisecond part.
            let theirs = formatter.string(from: Date(timeIntervalSince1970: (Double(ms) / 1000).rounded(.down)))
            #expect(ours.prefix(19) == theirs.prefix(19), "\(ms): \(ours) vs \(theirs)")
        }
    }

    @Test func nameUUIDsAreStableVersion8AndDistinct() {
        let a = NameUUID.urn("urn:vitalgate:observation|gw/ox-1/0/1/2708-6")
        #expect(a == NameUUID.urn("urn:vitalgate:observation|gw/ox-1/0/1/2708-6"))
        #expect(a != NameUUID.urn("urn:vitalgate:observation|gw/ox-1/0/2/2708-6"))
        let uuid = a.dropFirst("urn:uuid:".count)
        #expect(a.hasPrefix("urn:uuid:"))
        #expect(uuid.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(UUID(uuidString: String(uuid)) != nil)
        #expect(uuid[uuid.index(uuid.startIndex, offsetBy: 14)] == "8")
        #expect("89ab".contains(uuid[uuid.index(uuid.startIndex, offsetBy: 19)]))
    }
}
