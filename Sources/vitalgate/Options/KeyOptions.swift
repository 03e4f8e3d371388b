import ArgumentParser
import VitalgateAgent

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
