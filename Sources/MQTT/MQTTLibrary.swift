import CMosquitto

/// Process-wide libmosquitto setup.
public enum MQTTLibrary {
    /// `mosquitto_lib_init` must run once before any other call
    /// (mosquitto.h, "mosquitto_lib_init"); a `static let` initializer runs
    /// exactly once, thread-safely, on first use. The library is never
    /// cleaned up: it lives as long as the process.
    private static let initialized: Int32 = mosquitto_lib_init()

    /// Initializes libmosquitto if it is not yet; safe from any thread, any
    /// number of times. `MQTTClient.init` calls it.
    public static func initialize() { _ = initialized }

    /// The linked libmosquitto's version, e.g. (2, 0, 11).
    public static var version: (major: Int32, minor: Int32, revision: Int32) {
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        _ = mosquitto_lib_version(&major, &minor, &revision)
        return (major, minor, revision)
    }
}
