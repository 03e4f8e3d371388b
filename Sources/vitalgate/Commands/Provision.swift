import ArgumentParser
import JSON
import SignedNote
import Sodium
import VitalgateAgent

struct Provision: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the gateway's identity (Ed25519 key), config file and database.",
        discussion: """
        The secret key is written with mode 0600 and never printed; with --seal or \
        --passphrase-file it is sealed with a passphrase (Argon2id + XChaCha20-Poly1305), so a copy \
        of the storage alone does not give it. Device profiles are imported from --devices-dir. \
        The agent's broker account is created: its password in <home>/broker/agent.password (0600), \
        the broker's password and ACL files in <home>/broker/ (docs/security.md). \
        An existing identity is kept unless --force is given.
        """)

    @OptionGroup var home: HomeOptions

    @Option(name: .customLong("gateway-id"), help: ArgumentHelp("This gateway's name, e.g. ward3-gw1.", valueName: "id"))
    var gatewayID: String

    @Option(name: .customLong("devices-dir"), help: ArgumentHelp("Folder of device profiles to import.", valueName: "dir"))
    var devicesDir = "Devices"

    @Option(name: .customLong("set"), help: ArgumentHelp("A config setting to write, e.g. --set mqtt_port=1883 (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    @Flag(help: "Replace an existing identity: its old key is lost, and checkpoints it signed verify only with the old public key.")
    var force = false

    @Flag(help: "Seal the secret key with a passphrase typed at the terminal (twice).")
    var seal = false

    @Option(name: .customLong("passphrase-file"),
            help: ArgumentHelp("Seal the secret key with the first line of this file (mode 0600), and let `run` read it at boot.", valueName: "file"))
    var passphraseFile: String?

    func validate() throws {
        guard isValidIdentifier(gatewayID) else {
            throw ValidationError("--gateway-id must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.")
        }
        for s in settings {
            guard let eq = s.firstIndex(of: "="), let setting = Setting.named(String(s[..<eq])) else {
                throw ValidationError("--set \(s): expected key=value with a key from: \(Setting.all.map(\.key).joined(separator: ", "))")
            }
            // Refused now, not at the first `run`.
            if let problem = setting.problem(with: String(s[s.index(after: eq)...])) { throw ValidationError("--set \(s): \(problem)") }
        }
    }

    func run() throws {
        let home = home.gatewayHome
        if Files.exists(home.secretKeyFile) && !force {
            throw CLIError("\(home.secretKeyFile) exists: this gateway is already provisioned. Use --force to replace its identity.")
        }
        try Files.makeDirectory(home.path, mode: 0o750)
        try Sodium.initialize()
        let key = try Ed25519SecretKey.generate()
        if seal || passphraseFile != nil {
            var passphrase = try newPassphrase()
            defer { sodiumZero(&passphrase) }
            try KeyFile.writeSealed(key, to: home.secretKeyFile, passphrase: passphrase, overwrite: force)
        } else {
            try KeyFile.write(key, to: home.secretKeyFile, overwrite: force)
        }
        let publicHex = Hex.encode(key.publicKey.bytes)
        let vkey = Ed25519NoteKey.verifierKey(name: GatewayHome.origin(gatewayID: gatewayID), publicKey: key.publicKey.bytes)
        try home.writePublicKey(key.publicKey.bytes, gatewayID: gatewayID)

        let agentAccount = try BrokerSetup.createAgentAccount(home, overwrite: force)
        var values = ["gateway_id": gatewayID, "mqtt_username": agentAccount.user,
                      "mqtt_password_file": home.brokerDirectory + "/agent.password"]
        if let passphraseFile { values["passphrase_file"] = passphraseFile }
        for s in settings {
            let eq = s.firstIndex(of: "=")!
            values[String(s[..<eq])] = String(s[s.index(after: eq)...])
        }
        let config = ConfigTemplate.render(values: values)
        try Files.write(Array(config.utf8), to: home.configFile, mode: values["ledger_password"] == nil ? 0o640 : 0o600, overwrite: true)

        let db = try GatewayDatabase.open(home)
        try db.setMeta("gateway_id", gatewayID)
        try db.setMeta("public_key", publicHex)
        // Patient references are sealed to this from the first one on (docs/security.md).
        try db.setMeta(PatientSealing.metaKey, Hex.encode(PatientCipher(gatewayKey: key).sealer.publicKey.bytes))
        let imported = try importProfiles(from: devicesDir, into: DeviceTable(db))
        try BrokerAccount.setAgent(agentAccount, in: db)
        let broker = try brokerFiles(home)
        try broker.write(db)
        Console.out("provisioned gateway \(gatewayID) in \(home.path)")
        Console.out("  public key    \(publicHex)")
        Console.out("  verifier key  \(vkey)")
        Console.out("  profiles      \(imported.joined(separator: ", "))")
        Console.out("  key file      \(home.secretKeyFile) (\(seal || passphraseFile != nil ? "sealed with a passphrase" : "plain, mode 0600"))")
        Console.out("  broker files  \(broker.passwordFile), \(broker.aclFile) (agent user \(agentAccount.user))")
    }

    /// The passphrase to seal with: from --passphrase-file, or typed twice.
    func newPassphrase() throws -> [UInt8] {
        if let passphraseFile { return try PassphraseSource.readFile(passphraseFile) }
        var first = try PassphraseSource.prompt("New passphrase for the gateway key: ")
        defer { sodiumZero(&first) }
        var second = try PassphraseSource.prompt("Repeat the passphrase: ")
        defer { sodiumZero(&second) }
        guard first == second else { throw CLIError("the passphrases differ; nothing was sealed") }
        return first
    }
}

/// Imports every `*.json` profile in `dir`.
func importProfiles(from dir: String, into table: DeviceTable) throws -> [String] {
    let files = try Files.list(dir).filter { $0.hasSuffix(".json") }
    guard !files.isEmpty else { throw CLIError("no device profiles (*.json) in \(dir); pass --devices-dir") }
    return try files.map { name in
        do {
            return try table.importProfile(json: try Files.read("\(dir)/\(name)")).name
        } catch {
            throw CLIError("\(dir)/\(name): \(error)")
        }
    }
}
