import Testing
@testable import OpenTimestamps

@Suite struct DetachedTimestampTests {
    @Test func placeholder() { #expect(DetachedTimestamp.magic.count == 31) }
}
