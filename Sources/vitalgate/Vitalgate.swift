import ArgumentParser
import VitalgateAgent

@main
struct Vitalgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitalgate",
        abstract: "A trustworthy gateway for patients' vitals: MQTT in, SQLite, a signed Merkle log, ledger anchors, proofs.",
        discussion: "Every command that takes --home also reads VITALGATE_HOME.",
        version: VitalgateVersion.current,
        subcommands: [Provision.self, Device.self, RotateKey.self, Run.self, Status.self, Config.self, Export.self, Verify.self, Audit.self, Simulate.self, Dev.self])
}
