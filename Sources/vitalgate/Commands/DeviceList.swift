import ArgumentParser
import VitalgateAgent

struct DeviceList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List devices, their state and counts.")

    @OptionGroup var home: HomeOptions
    @OptionGroup var reveal: RevealOptions

    func run() throws {
        let cipher = try reveal.cipher(home.gatewayHome)
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        let devices = try DeviceTable(db).list()
        Console.out(pad("DEVICE", 20) + pad("PROFILE", 22) + pad("STATE", 10) + pad("PATIENT", 20) + pad("BROKER", 8) + pad("READINGS", 10) + pad("REJECTED", 10) + "LAST SEEN (UTC)")
        for d in devices {
            Console.out(pad(d.id, 20) + pad(d.profile, 22) + pad(d.status, 10) + pad(try patientText(d.patient, device: d.id, cipher), 20) + pad(d.hasBrokerCredentials ? "yes" : "no", 8)
                + pad(String(d.readings), 10) + pad(String(d.rejectionsRecorded), 10) + (d.lastSeen.map { Clock.iso8601(millis: $0) } ?? "-"))
        }
    }
}
