import ArgumentParser
import Sodium
import VitalgateAgent

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the proof bundle of one reading (JSON, on stdout).",
        discussion: "The bundle proves the reading against the newest confirmed anchor that covers it; see docs/proof-bundle.md.")

    @OptionGroup var home: HomeOptions
    @Option(help: "The device id.") var device: String
    @Option(help: "The reading's seq.") var seq: UInt64
    @Option(help: "The device's boot counter, if it has restarted seq.") var boot: UInt32?
    @OptionGroup var key: KeyOptions

    func run() throws {
        // Readings are sealed at rest: opening one needs the gateway's secret key.
        let secret = try GatewayIdentity.loadSecretKey(home: home.gatewayHome, passphraseFile: try key.resolved(home.gatewayHome))
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        let bundle = try BundleExporter(db, cipher: LeafCipher(gatewayKey: secret)).bundle(device: device, seq: seq, boot: boot)
        Console.out(bundle.json.serialized(pretty: true))
    }
}
