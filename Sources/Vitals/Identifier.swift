/// The syntax of the names that appear in topics, payloads and profiles.
/// Restricting them to small ASCII sets means they never need escaping in
/// JSON, in MQTT topics or in log lines.
public enum Identifier {
    /// Payload members that are not measurements; no metric may use these names
    /// (`salt` is the leaf's secret salt, docs/encoding.md, which no device may
    /// supply; `type` and `v` are held back for future envelope fields).
    public static let reservedKeys: Set<String> = ["device", "boot", "salt", "seq", "ts", "type", "v"]

    /// `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`: a device ID, as in topic `vitals/<device-id>`.
    public static func isDeviceID(_ s: String) -> Bool {
        withBytes(s) { utf8 in
            guard (1...64).contains(utf8.count), isAlphanumeric(utf8[0]) else { return false }
            return utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        }
    }

    /// A gateway ID has a device ID's syntax: it names the log (checkpoint
    /// origin `vitalgate/<gateway-id>`) and appears in file names alike.
    public static func isGatewayID(_ s: String) -> Bool { isDeviceID(s) }

    /// `[a-z][a-z0-9_]{0,31}` and not one of `reservedKeys`: a measurement's key.
    public static func isMetricKey(_ s: String) -> Bool {
        let syntax = withBytes(s) { utf8 in
            (1...32).contains(utf8.count) && isLower(utf8[0])
                && utf8.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
        }
        return syntax && !reservedKeys.contains(s)
    }

    /// Runs `body` on the string's UTF-8 bytes, contiguous (no copy for
    /// native strings), which is much faster than iterating `String.UTF8View`.
    static func withBytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = s
        return copy.withUTF8(body)
    }

    /// Bytewise (UTF-8 code unit) order, the order of keys in the canonical encoding.
    public static func bytewiseLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }
    static func isLower(_ c: UInt8) -> Bool { c &- UInt8(ascii: "a") < 26 }
    static func isAlphanumeric(_ c: UInt8) -> Bool { isDigit(c) || isLower(c) || c &- UInt8(ascii: "A") < 26 }
}
