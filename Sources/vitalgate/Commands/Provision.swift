import ArgumentParser
import JSON
import SignedNote
import Sodium
import VitalgateAgent
import Vitals
#if canImport(Glibc)
import Glibc
#endif

struct Provision: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the gateway's identity (Ed25519 key), config file and database.",
        discussion: """
        The secret key is written with mode 0600 and never printed; with --seal or \
        --passphrase-file it is sealed with a passphrase (Argon2id + XChaCha20-Poly1305), so a copy \
        of the storage alone does not give it. Device profiles are imported from --devices-dir (default: the installed ones). \
        Nothing is left behind by a provisioning that fails: it is prepared in a folder inside the home and moved into place at the end. \
        The agent's broker account is created: its password in <home>/broker/agent.password (0600), \
        the broker's password and ACL files in <home>/broker/ (docs/security.md). \
        An existing identity is kept unless --force is given.
        """)

    @OptionGroup var home: HomeOptions

    @Option(name: .customLong("gateway-id"), help: ArgumentHelp("This gateway's name, e.g. ward3-gw1.", valueName: "id"))
    var gatewayID: String

    @Option(name: .customLong("devices-dir"), help: ArgumentHelp(
        "Folder of device profiles to import (default: the installed profiles, /usr/share/vitalgate/devices, wherever this runs from).",
        valueName: "dir"))
    var devicesDir: String?

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
        // What can be wrong with the input is found before anything is written.
        let profiles = try readProfiles(from: devicesDir ?? DeviceProfileFolder.find())
        try Sodium.initialize()
        var passphrase: [UInt8]? = (seal || passphraseFile != nil) ? try newPassphrase() : nil
        defer { if passphrase != nil { sodiumZero(&passphrase!) } }
        if force {
            // Replaces the identity in place and keeps the database (its readings).
            let summary = try provision(into: home, final: home, profiles: profiles, passphrase: passphrase)
            summary.forEach { Console.out($0) }
            return
        }
        // A first provisioning is all or nothing: everything is made in a
        // folder inside the home and renamed into place at the end; on any
        // failure nothing is left (not even a home folder this run created),
        // so the same command can simply be run again.
        let leftovers = Provision.entries.filter { Files.exists(home.path + "/" + $0) }
        guard leftovers.isEmpty else {
            throw CLIError("\(home.path) is not provisioned but holds \(leftovers.joined(separator: ", ")): remove them, or use --force")
        }
        // The outermost folder this run creates (the home or one above it), removed on failure.
        var created: String?
        var ancestor: String? = home.path
        while let path = ancestor, !path.isEmpty, path != "/", path != ".", !Files.exists(path) {
            created = path
            ancestor = DeviceProfileFolder.parent(path)
        }
        try Files.makeDirectory(home.path, mode: 0o750)
        // What an interrupted run left (a killed process cannot clean up).
        for name in (try? Files.list(home.path)) ?? [] where name.hasPrefix(".provision-") {
            Files.removeTree(home.path + "/" + name)
        }
        let stage = GatewayHome(path: home.path + "/.provision-\(getpid())")
        let summary: [String]
        do {
            try Files.makeDirectory(stage.path, mode: 0o700)
            summary = try provision(into: stage, final: home, profiles: profiles, passphrase: passphrase)
            try Files.moveEntries(of: stage.path, into: home.path, order: Provision.entries)
            Files.removeTree(stage.path)
        } catch {
            Files.removeTree(stage.path)
            if let created { Files.removeTree(created) }
            throw error
        }
        summary.forEach { Console.out($0) }
    }

    /// What provisioning makes in a home, in the order it is moved into
    /// place: the secret key last, since its presence means "provisioned".
    static let entries = ["vitalgate.sqlite", "broker", "vitalgate.conf", "gateway.pub", "gateway.key"]

    /// Writes the identity, config, database and broker files into `target`,
    /// with the paths of `final` (where they will be used) in the config.
    /// Returns what to tell the operator once it is in place.
    func provision(into target: GatewayHome, final: GatewayHome, profiles: [(name: String, json: [UInt8])], passphrase: [UInt8]?) throws -> [String] {
        try Files.makeDirectory(target.path, mode: 0o750)
        let key = try Ed25519SecretKey.generate()
        if let passphrase {
            try KeyFile.writeSealed(key, to: target.secretKeyFile, passphrase: passphrase, overwrite: force)
        } else {
            try KeyFile.write(key, to: target.secretKeyFile, overwrite: force)
        }
        let publicHex = Hex.encode(key.publicKey.bytes)
        let vkey = Ed25519NoteKey.verifierKey(name: GatewayHome.origin(gatewayID: gatewayID), publicKey: key.publicKey.bytes)
        try target.writePublicKey(key.publicKey.bytes, gatewayID: gatewayID)

        let agentAccount = try BrokerSetup.createAgentAccount(target, overwrite: force)
        var values = ["gateway_id": gatewayID, "mqtt_username": agentAccount.user,
                      "mqtt_password_file": final.brokerDirectory + "/agent.password"]
        if let passphraseFile { values["passphrase_file"] = passphraseFile }
        for s in settings {
            let eq = s.firstIndex(of: "=")!
            values[String(s[..<eq])] = String(s[s.index(after: eq)...])
        }
        let config = ConfigTemplate.render(values: values)
        try Files.write(Array(config.utf8), to: target.configFile, mode: values["ledger_password"] == nil ? 0o640 : 0o600, overwrite: true)

        let imported: [String]
        let broker: BrokerFiles
        do {
            let db = try GatewayDatabase.open(target)
            try db.setMeta("gateway_id", gatewayID)
            try db.setMeta("public_key", publicHex)
            // Patient references are sealed to this from the first one on (docs/security.md).
            try db.setMeta(PatientSealing.metaKey, Hex.encode(PatientCipher(gatewayKey: key).sealer.publicKey.bytes))
            let table = DeviceTable(db)
            imported = try profiles.map { profile in
                do { return try table.importProfile(json: profile.json).name } catch { throw CLIError("\(profile.name): \(error)") }
            }
            try BrokerAccount.setAgent(agentAccount, in: db)
            // The broker's files where the config puts them, but a default
            // place (inside the home) is written in `target` with the rest.
            let finalBroker = BrokerFiles(home: final, file: try configFile(target), environment: Environment.current)
            broker = BrokerFiles(
                passwordFile: finalBroker.passwordFile == final.brokerDirectory + "/passwd" ? target.brokerDirectory + "/passwd" : finalBroker.passwordFile,
                aclFile: finalBroker.aclFile == final.brokerDirectory + "/acl" ? target.brokerDirectory + "/acl" : finalBroker.aclFile,
                pidFile: finalBroker.pidFile)
            try broker.write(db)
        }  // the database is closed here (its -wal and -shm go with it)
        let shown = BrokerFiles(home: final, file: try configFile(target), environment: Environment.current)
        return ["provisioned gateway \(gatewayID) in \(final.path)",
                "  public key    \(publicHex)",
                "  verifier key  \(vkey)",
                "  profiles      \(imported.joined(separator: ", "))",
                "  key file      \(final.secretKeyFile) (\(passphrase != nil ? "sealed with a passphrase" : "plain, mode 0600"))",
                "  broker files  \(shown.passwordFile), \(shown.aclFile) (agent user \(agentAccount.user))"]
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

/// Every `*.json` profile in `dir`, read and checked (nothing is written).
func readProfiles(from dir: String) throws -> [(name: String, json: [UInt8])] {
    let files = try Files.list(dir).filter { $0.hasSuffix(".json") }
    guard !files.isEmpty else { throw CLIError("no device profiles (*.json) in \(dir); pass --devices-dir") }
    return try files.map { name in
        let path = "\(dir)/\(name)"
        let json = try Files.read(path)
        do { _ = try DeviceProfile.parse(json) } catch { throw CLIError("\(path): \(error)") }
        return (path, json)
    }
}
