import Foundation

/// Runs a command-line tool to completion (stdin from /dev/null); its exit
/// status and combined stdout and stderr. For short-lived tools such as
/// mosquitto_passwd, mosquitto_pub or openssl.
public func runTool(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    guard FileManager.default.isExecutableFile(atPath: executable) else {
        throw HarnessError("\(executable) is not installed (run `make deps`)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

extension Broker {
    /// Publishes one QoS 1 message with `mosquitto_pub` on the plain listener
    /// as `user`; true if the broker accepted the login (a publish the ACL
    /// denies is still acknowledged under MQTT 3.1.1, so this is about login).
    public func publish(user: String, password: String, topic: String = "t", message: String = "x") throws -> Bool {
        try runTool("/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", String(port), "-u", user, "-P", password,
                                               "-t", topic, "-m", message, "-q", "1"]).status == 0
    }
}
