/// Passwords the gateway issues to devices for its MQTT broker.
public enum DevicePassword {
    /// 18 random bytes (144 bits) as 24 characters of unpadded URL-safe
    /// Base64 (RFC 4648 section 5): safe in URLs, shell arguments and
    /// mosquitto's password file, and no padding to mistype.
    public static func generate() -> String {
        var random = SecureRandom.bytes(18)
        defer { sodiumZero(&random) }
        return SodiumBase64.encode(random, .urlSafeUnpadded)
    }
}
