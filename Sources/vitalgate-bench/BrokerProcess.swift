import FileIO
import LocalProcesses
#if canImport(Glibc)
import Glibc
#endif

/// mosquitto with the configuration the project ships
/// (Provisioning/mosquitto.conf), port and state folder filled in as
/// scripts/demo.sh does, on a free 127.0.0.1 port; its state in `directory`
/// (created if missing).
final class BrokerProcess {
    let port: UInt16
    let directory: String
    let process: ChildProcess

    static let executable = "/usr/sbin/mosquitto"

    init(root: String, directory: String) throws {
        self.directory = directory
        port = try freeLoopbackPort()
        try Files.makeDirectory(directory)
        guard let template = try? Files.readText(root + "/Provisioning/mosquitto.conf") else {
            throw BenchError("cannot read \(root)/Provisioning/mosquitto.conf: run from the repository root or pass --root")
        }
        var config = template.replacing("@PORT@", with: String(port)).replacing("@STATE@", with: directory)
        // Started as root, mosquitto switches to user `mosquitto`, who cannot write this folder.
        if getuid() == 0 { config += "\nuser root\n" }
        try Files.write(Array(config.utf8), to: directory + "/mosquitto.conf", overwrite: true)
        process = try ChildProcess(name: "mosquitto", executable: Self.executable,
                                   arguments: ["-c", directory + "/mosquitto.conf"], logPath: directory + "/stdout.log")
        try waitUntil(timeout: .seconds(10), "mosquitto to listen on 127.0.0.1:\(port)") {
            guard process.isRunning else { throw BenchError("mosquitto exited at start-up: \(process.logTail())") }
            return loopbackPortAccepts(port)
        }
    }

    func stop() { process.stop(grace: 10) }
}
