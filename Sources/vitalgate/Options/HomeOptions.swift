import ArgumentParser
import VitalgateAgent

/// `--home DIR`, or VITALGATE_HOME.
struct HomeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The gateway's home folder (default: $VITALGATE_HOME).", valueName: "dir"))
    var home: String?

    var gatewayHome: GatewayHome {
        GatewayHome(path: home ?? Environment.value("VITALGATE_HOME") ?? "")
    }

    func validate() throws {
        if home == nil && Environment.value("VITALGATE_HOME") == nil {
            throw ValidationError("Say which gateway: --home DIR, or set VITALGATE_HOME.")
        }
    }
}
