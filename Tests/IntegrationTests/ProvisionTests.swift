import Foundation
import Testing
import TestSupport

/// Provisioning as a new user meets it (issue 12): from any folder, with the
/// profiles found where the program is installed; all or nothing; and
/// `--version` on every command.
@Suite(.serialized)
struct ProvisionTests {
    struct Ran { let status: Int32, stdout: String, stderr: String }

    /// Runs `executable` with `arguments` in `folder`.
    static func run(_ executable: String, _ arguments: [String], in folder: String = "/") throws -> Ran {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["VITALGATE_HOME"] = nil
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Ran(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Everything under `path` (relative names), or nil if it does not exist.
    static func contents(_ path: String) -> [String]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).sorted()
    }

    /// A copy of the program under `prefix/bin`, as a package installs it.
    static func installCopy(under prefix: String) throws -> String {
        try FileManager.default.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        let copy = prefix + "/bin/vitalgate"
        try FileManager.default.copyItem(atPath: vitalgateBinary(), toPath: copy)
        return copy
    }

    @Test func fromTheRootFolderProvisionFindsTheProfilesInstalledBesideTheProgram() throws {
        let scratch = try TemporaryDirectory("vitalgate-provision")
        defer { scratch.remove() }
        let program = try Self.installCopy(under: scratch.file("usr"))

        // Control: a copy with no profiles beside it (and none in /usr/share
        // on a build machine, nor a source checkout above it) finds none, says
        // where it looked, and leaves no home behind.
        let lonely = try Self.run(program, ["provision", "--home", scratch.file("gw0"), "--gateway-id", "gw0"])
        if FileManager.default.fileExists(atPath: "/usr/share/vitalgate/devices") {
            // A machine with the package installed finds its profiles there instead.
            #expect(lonely.status == 0, "\(lonely.stderr)")
        } else {
            #expect(lonely.status != 0)
            #expect(lonely.stderr.contains("no device profiles found"), "\(lonely.stderr)")
            // The program names the folder by its own path (/proc/self/exe: no doubled slashes).
            let beside = (scratch.file("usr") + "/share/vitalgate/devices").replacingOccurrences(of: "//", with: "/")
            #expect(lonely.stderr.contains(beside), "\(lonely.stderr)")
            #expect(Self.contents(scratch.file("gw0")) == nil)
        }

        // Profiles installed at <prefix>/share/vitalgate/devices are found from /.
        let devices = scratch.file("usr/share/vitalgate/devices")
        try FileManager.default.createDirectory(atPath: devices, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repositoryRoot() + "/Devices/thermometer.json", toPath: devices + "/thermometer.json")
        let home = scratch.file("gw1")
        let provisioned = try Self.run(program, ["provision", "--home", home, "--gateway-id", "gw1"])
        #expect(provisioned.status == 0, "\(provisioned.stderr)")
        #expect(provisioned.stdout.contains("profiles      thermometer\n"), "\(provisioned.stdout)")
        let added = try Self.run(program, ["device", "add", "th-1", "--profile", "thermometer", "--home", home])
        #expect(added.status == 0, "\(added.stderr)")
        let refused = try Self.run(program, ["device", "add", "ox-1", "--profile", "pulse-oximeter", "--home", home])
        #expect(refused.status != 0, "only the installed profiles were imported")
    }

    @Test func aProvisioningThatFailsHalfwayLeavesNothingAndTheRetryWorks() throws {
        let scratch = try TemporaryDirectory("vitalgate-provision")
        defer { scratch.remove() }
        let devices = ["--devices-dir", repositoryRoot() + "/Devices"]
        // The broker's password file in a folder that does not exist: the
        // last thing provisioning writes, after the key, config and database.
        let failing = ["--set", "broker_password_file=\(scratch.file("missing"))/passwd", "--passphrase-file", scratch.file("pass")]
        try "a passphrase\n".write(toFile: scratch.file("pass"), atomically: true, encoding: .utf8)
        chmod(scratch.file("pass"), 0o600)

        // A home this run creates is gone again.
        let fresh = scratch.file("fresh")
        let first = try Self.run(vitalgateBinary(), ["provision", "--home", fresh, "--gateway-id", "gw"] + devices + failing)
        #expect(first.status != 0)
        #expect(first.stderr.contains(scratch.file("missing")), "\(first.stderr)")
        #expect(Self.contents(fresh) == nil, "left: \(Self.contents(fresh) ?? [])")

        // A home that existed (the package makes /var/lib/vitalgate) is left empty.
        let made = scratch.file("made")
        try FileManager.default.createDirectory(atPath: made, withIntermediateDirectories: false)
        let second = try Self.run(vitalgateBinary(), ["provision", "--home", made, "--gateway-id", "gw"] + devices + failing)
        #expect(second.status != 0)
        #expect(Self.contents(made) == [], "left: \(Self.contents(made) ?? [])")
        // Nor does `device add` make a database in a home never provisioned.
        let early = try Self.run(vitalgateBinary(), ["device", "add", "ox-1", "--profile", "pulse-oximeter", "--home", made])
        #expect(early.status != 0)
        #expect(early.stderr.contains("not a provisioned gateway"), "\(early.stderr)")
        #expect(Self.contents(made) == [])

        // The same command without the bad setting now works, in both.
        for home in [fresh, made] {
            let retry = try Self.run(vitalgateBinary(), ["provision", "--home", home, "--gateway-id", "gw", "--passphrase-file", scratch.file("pass")] + devices)
            #expect(retry.status == 0, "\(retry.stderr)")
            #expect(Self.contents(home) == ["broker", "broker/acl", "broker/agent.password", "broker/passwd",
                                            "gateway.key", "gateway.pub", "vitalgate.conf", "vitalgate.sqlite"])
            let add = try Self.run(vitalgateBinary(), ["device", "add", "ox-1", "--profile", "pulse-oximeter", "--home", home])
            #expect(add.status == 0, "\(add.stderr)")
            let again = try Self.run(vitalgateBinary(), ["provision", "--home", home, "--gateway-id", "gw"] + devices)
            #expect(again.status != 0)
            #expect(again.stderr.contains("already provisioned"), "\(again.stderr)")
        }
    }

    /// The release named in Sources/VitalgateAgent/Runtime/VitalgateVersion.swift.
    static func sourceVersion() throws -> String {
        let text = try String(contentsOfFile: repositoryRoot() + "/Sources/VitalgateAgent/Runtime/VitalgateVersion.swift", encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("static let current = \"") }),
              let version = line.split(separator: "\"").dropFirst().first else {
            throw HarnessError("no version in VitalgateVersion.swift")
        }
        return String(version)
    }

    /// The subcommands `vitalgate <command> --help` lists (its SUBCOMMANDS section).
    static func subcommands(of command: [String]) throws -> [String] {
        let help = try run(vitalgateBinary(), command + ["--help"]).stdout
        guard let section = help.components(separatedBy: "SUBCOMMANDS:\n").dropFirst().first else { return [] }
        return section.split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { !$0.isEmpty }
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// Every command, found through --help (so commands added later are
    /// covered too), answers --version with the release.
    @Test func versionOnEveryCommand() throws {
        var commands: [[String]] = [[]]
        var index = 0
        while index < commands.count {
            commands += try Self.subcommands(of: commands[index]).map { commands[index] + [$0] }
            index += 1
        }
        #expect(commands.contains(["device", "add"]) && commands.contains(["dev", "mine"]) && commands.count > 15,
                "the walk found \(commands)")
        let version = try Self.sourceVersion()
        for command in commands {
            let result = try Self.run(vitalgateBinary(), command + ["--version"])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(result.stdout == version + "\n", "\(command)")
        }
    }
}
