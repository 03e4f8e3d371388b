import ArgumentParser
import ProofBundle
import VitalgateAgent

struct DeviceRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a device: its broker credentials and ACL entries go, and its readings are rejected from now on.")

    @Argument(help: "The device id.") var id: String
    @OptionGroup var home: HomeOptions

    func run() throws {
        let gatewayHome = home.gatewayHome
        let db = try GatewayDatabase.open(gatewayHome)
        let now = Clock.nowMillis()
        try db.transaction(.immediate) {
            try DeviceTable(db).revoke(id: id, at: now)
            try AccessTrail.record(AccessEventDraft(.deviceRevoke, ts: now, details: ["device": .string(id), "actor": .string(cliActor())]), in: db)
        }
        let broker = try brokerFiles(gatewayHome)
        try broker.write(db)
        Console.err(broker.reload())
        Console.out("revoked \(id)")
    }
}
