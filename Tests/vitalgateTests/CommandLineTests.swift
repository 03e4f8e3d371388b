import ArgumentParser
import Foundation
import Testing
@testable import vitalgate
import VitalgateAgent

/// The command line as an operator meets it: what the help lists, how
/// options are spelled, and the messages `validate()` gives, parsed by the
/// real command tree (no process, no gateway needed).
@Suite struct CommandLineTests {
    /// Every command below `command`, with its path of names.
    private func allCommands(_ command: ParsableCommand.Type = Vitalgate.self, path: [String] = []) -> [(path: [String], type: ParsableCommand.Type)] {
        let name = command._commandName
        let here = path + (command == Vitalgate.self ? [] : [name])
        return [(here, command)] + command.configuration.subcommands.flatMap { allCommands($0, path: here) }
    }

    /// The message ArgumentParser prints for `arguments`, which must not parse.
    private func refusal(_ arguments: [String]) -> String {
        do {
            let command = try Vitalgate.parseAsRoot(arguments)
            return "parsed as \(type(of: command))"
        } catch {
            return Vitalgate.message(for: error)
        }
    }

    @Test func productionHelpListsProductionCommandsOnly() {
        let help = Vitalgate.helpMessage()
        for command in ["provision", "device", "rotate-key", "run", "status", "config", "export", "verify", "audit"] {
            #expect(help.contains("\n  \(command) "), "help lacks \(command)")
        }
        // Development tooling (VitalgateDev) stays callable but is not offered.
        #expect(!help.contains("\n  dev "))
        #expect(!help.contains("\n  simulate "))
    }

    @Test func developmentCommandsStillParse() throws {
        let mine = try Vitalgate.parseAsRoot(["dev", "mine", "--ledger-url", "http://127.0.0.1:1", "--ledger-cookie", "/nonexistent", "--every", "1"])
        #expect((mine as? DevMine)?.every == 1)
        #expect(refusal(["dev", "mine"]) == "--ledger-url and --ledger-cookie (or --ledger-user/--ledger-password-file) are required")
        #expect(refusal(["dev", "bench-anchor", "--ledger-url", "u", "--ledger-cookie", "c", "--utxos", "2"])
                == "--utxos must be at least 8 and --anchors at least 1")
        let simulate = try Vitalgate.parseAsRoot(["simulate", "--home", "/tmp/h", "--rate", "5", "--only", "ox-001"])
        #expect((simulate as? Simulate)?.rate == 5)
        #expect(refusal(["simulate", "--home", "/tmp/h", "--rate", "0"]) == "--rate must be within (0, 1000] readings per second")
    }

    @Test func versionIsTheBuildsVersion() {
        #expect(refusal(["--version"]) == VitalgateVersion.current)
        #expect(!VitalgateVersion.current.isEmpty)
    }

    @Test func everyOptionIsKebabCase() {
        let kebab = /--[a-z0-9]+(-[a-z0-9]+)*/
        let option = /--[A-Za-z0-9_-]+/
        for (path, _) in allCommands() {
            let help = Vitalgate.helpMessage(for: allCommands().first { $0.path == path }!.type)
            for match in help.matches(of: option) {
                #expect(match.output.wholeMatch(of: kebab) != nil, "`\(path.joined(separator: " "))` has option \(match.output)")
            }
        }
        // Subcommand names too: multi-word commands are hyphenated.
        for (path, _) in allCommands() {
            for name in path { #expect(name.wholeMatch(of: /[a-z]+(-[a-z]+)*/) != nil, "command name \(name)") }
        }
    }

    @Test func kebabCaseOptionsReachTheirProperties() throws {
        let run = try #require(try Vitalgate.parseAsRoot(["run", "--home", "/tmp/h", "--checkpoint-interval", "5", "--checkpoint-every", "7",
                                                          "--anchor-interval", "30", "--mqtt-port", "1884"]) as? Run)
        #expect(run.checkpointInterval == 5 && run.checkpointEvery == 7 && run.anchorInterval == 30 && run.mqttPort == 1884)
        #expect(refusal(["run", "--home", "/tmp/h", "--checkpointInterval", "5"]).contains("Unknown option '--checkpointInterval'"))
    }

    @Test(arguments: [
        (["run", "--home", "/h", "--log-level", "loud"], "--log-level must be one of trace, debug, info, notice, warning, error, critical"),
        (["provision", "--home", "/h", "--gateway-id", "bad id"], "--gateway-id must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit."),
        (["provision", "--home", "/h", "--gateway-id", "gw", "--set", "nonsense"], "--set nonsense: expected key=value with a key from: "),
        (["export", "--home", "/h", "--fhir"], "--fhir needs --device"),
        (["export", "--home", "/h", "--device", "ox-001", "--from", "5"], "give --device and --seq (a reading), --leaf (any leaf), --reading FILE (a reading, pruned too), --fhir (Observations) or --consistency"),
        (["export", "--home", "/h", "--consistency", "1"], "--consistency takes two checkpoint sizes: OLD NEW"),
        (["device", "assign", "ox-001", "--home", "/h"], "give either --patient Patient/<id> or --none"),
        (["device", "add", "bad id", "--home", "/h", "--profile", "pulse-oximeter"], "device id must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
        (["verify", "b.json", "--ledger-password", "secret"], "--ledger-password would show the password to every user of this machine"),
        (["verify", "b.json", "--ledger-user", "u"], "--ledger-user and --ledger-password-file go together."),
        (["audit", "chain", "--home", "/h", "--gateway-key", String(repeating: "ab", count: 32)], "--ledger-url is required: the monitor reads the chain"),
    ] as [([String], String)])
    func validationMessages(arguments: [String], message: String) {
        let said = refusal(arguments)
        #expect(said.hasPrefix(message), "\(arguments.joined(separator: " ")) said: \(said)")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["VITALGATE_HOME"] == nil))
    func aHomeIsRequired() {
        #expect(refusal(["status"]) == "Say which gateway: --home DIR, or set VITALGATE_HOME.")
    }
}
