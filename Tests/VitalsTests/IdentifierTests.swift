import Testing
import Vitals

@Suite struct IdentifierTests {
    @Test func deviceIDs() {
        for ok in ["ox-001", "A", "9", "a.b_c-d", String(repeating: "x", count: 64)] { #expect(Identifier.isDeviceID(ok), "\(ok)") }
        for bad in ["", "-ox", ".x", "_x", "ox/1", "ox 1", "ox+1", "é", String(repeating: "x", count: 65)] { #expect(!Identifier.isDeviceID(bad), "\(bad)") }
    }

    @Test func metricKeys() {
        for ok in ["hr", "spo2", "temp_c", "a", String(repeating: "a", count: 32)] { #expect(Identifier.isMetricKey(ok), "\(ok)") }
        for bad in ["", "Hr", "2hr", "_hr", "h-r", "device", "boot", "seq", "ts", "type", "v", String(repeating: "a", count: 33)] {
            #expect(!Identifier.isMetricKey(bad), "\(bad)")
        }
    }
}
