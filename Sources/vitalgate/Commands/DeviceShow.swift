import ArgumentParser
import VitalgateAgent

struct DeviceShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one device: enrolment, broker access, last seen, counts.")

    @Argument(help: "The device id.") var id: String
    @OptionGroup var home: HomeOptions
    @OptionGroup var reveal: RevealOptions

    func run() throws {
        let cipher = try reveal.cipher(home.gatewayHome)
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        guard let d = try DeviceTable(db).show(id: id) else { throw CLIError("no device `\(id)` (see `vitalgate device list`)") }
        Console.out("device       \(d.id)")
        Console.out("profile      \(d.profile)")
        Console.out("state        \(d.status)" + (d.revokedAt.map { " (revoked at \(Clock.iso8601(millis: $0)))" } ?? ""))
        Console.out("enrolled at  \(Clock.iso8601(millis: d.enrolledAt))")
        Console.out("patient      \(try patientText(d.patient, device: d.id, cipher))")
        Console.out("broker       \(d.hasBrokerCredentials ? "may connect as user \(d.id)" : "no credentials")")
        Console.out("last seen    \(d.lastSeen.map { "\(Clock.iso8601(millis: $0)) (\(Clock.age(of: $0)))" } ?? "never")")
        Console.out("readings     \(d.readings)")
        Console.out("rejected     \(d.rejectionsRecorded) (in the bounded rejection record)")
    }
}
