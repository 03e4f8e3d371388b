import ArgumentParser
import VitalgateAgent
import FileIO
import Codecs
import JSON
import SignedNote

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

/// `--passphrase-file FILE` for commands that need the gateway's secret key
/// (run, export, rotate-key). Without it: the `passphrase_file` setting
/// (VITALGATE_PASSPHRASE_FILE or the config file), else a prompt on the
/// terminal if the key is sealed.
struct KeyOptions: ParsableArguments {
    @Option(name: .customLong("passphrase-file"),
            help: ArgumentHelp("File with the passphrase of a sealed gateway key (mode 0600).", valueName: "file"))
    var passphraseFile: String?

    /// The passphrase file to use for `home`, if any.
    func resolved(_ home: GatewayHome) throws -> String? {
        if let passphraseFile { return passphraseFile }
        return Setting.resolve("passphrase_file", environment: Environment.current, file: try configFile(home))
    }
}

/// The home's config file, or an empty one if there is none yet.
func configFile(_ home: GatewayHome) throws -> ConfigFile {
    guard Files.exists(home.configFile) else { return ConfigFile() }
    return try ConfigFile(parsing: try Files.readText(home.configFile), path: home.configFile)
}

/// The broker files of `home`, by its settings.
func brokerFiles(_ home: GatewayHome) throws -> BrokerFiles {
    BrokerFiles(home: home, file: try configFile(home), environment: Environment.current)
}

/// `--gateway-key`: a gateway public key to trust, as 64 hex digits, a C2SP
/// verifier key (`vitalgate/<id>+<keyid>+<base64>`), or a file holding
/// either on its first line (such as the gateway's `gateway.pub`).
enum GatewayKeyArgument {
    static func parse(_ text: String) throws -> [UInt8] {
        if let key = Hex.decode(text), key.count == 32 { return key }
        if let (_, key) = try? Ed25519NoteKey.parseVerifierKey(text) { return key }
        guard Files.exists(text) else {
            throw ValidationError("--gateway-key \(text) is neither 32 bytes of hex, a verifier key, nor a file")
        }
        let first = try Files.readText(text).split(separator: "\n").first.map(String.init) ?? ""
        if let key = Hex.decode(first.trimmingBlanks()), key.count == 32 { return key }
        if let (_, key) = try? Ed25519NoteKey.parseVerifierKey(first.trimmingBlanks()) { return key }
        throw ValidationError("--gateway-key \(text): its first line is not a public key (hex) or a verifier key")
    }
}
