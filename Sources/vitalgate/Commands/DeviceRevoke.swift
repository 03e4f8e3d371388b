import ArgumentParser
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
        try DeviceTable(db).revoke(id: id, at: Clock.nowMillis())
        let broker = try brokerFiles(gatewayHome)
        try broker.write(db)
        Console.err(broker.reload())
        Console.out("revoked \(id)")
    }
}
