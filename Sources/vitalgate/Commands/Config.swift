import ArgumentParser
import VitalgateAgent

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the gateway's settings.",
        subcommands: [ConfigCheckCommand.self])
}

struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Refuse what `run` would refuse: unknown keys, bad values (naming file and line, or variable), contradictions, unreadable files.",
        discussion: "Reads <home>/vitalgate.conf and the VITALGATE_<KEY> environment variables. Exits 0 when `run` would accept them, 1 otherwise.")

    @OptionGroup var home: HomeOptions

    func run() throws {
        let gatewayHome = home.gatewayHome
        guard Files.exists(gatewayHome.configFile) else {
            throw CLIError("\(gatewayHome.configFile) not found: run `vitalgate provision --home \(gatewayHome.path) --gateway-id ID` first")
        }
        let file = try configFile(gatewayHome)
        let findings = ConfigCheck.run(home: gatewayHome, file: file, environment: Environment.current)
        for finding in findings { Console.out("\(finding)") }
        let problems = findings.filter(\.problem).count
        if problems > 0 {
            Console.err("\(gatewayHome.configFile): \(problems) problem\(problems == 1 ? "" : "s"); `vitalgate run` would refuse to start")
            throw ExitCode(1)
        }
        Console.out("ok: \(gatewayHome.configFile) and the environment give settings `vitalgate run` accepts")
    }
}
