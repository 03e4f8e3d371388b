import Codecs
import ArgumentParser
import JSON
import SQLiteStore
import VitalgateAgent

struct Device: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol, list, show, assign and revoke devices.",
        discussion: """
        add and revoke rewrite the broker's password and ACL files and reload the broker. Patient references \
        are sealed at rest: add and assign need no secret key; list and show print them only with --reveal, \
        which needs the gateway key (docs/security.md).
        """,
        subcommands: [DeviceAdd.self, DeviceList.self, DeviceShow.self, DeviceAssign.self, DeviceRevoke.self])
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}

/// Before writing a patient reference. A database made by an earlier release
/// has no patient key until something holding the secret key seals its
/// references (docs/security.md, "Vitals at rest"); rather than write one
/// more reference in the clear, do it now, with the gateway key (asked for
/// once, like `export`). A provisioned or already sealed database needs no key.
func preparePatientSealing(_ home: GatewayHome, _ db: Database, _ key: KeyOptions) throws {
    guard try PatientSealer.recorded(in: db) == nil else { return }
    Console.err("patient references in this database are not sealed yet; sealing them with the gateway key")
    let secret = try GatewayIdentity.loadSecretKey(home: home, passphraseFile: try key.resolved(home))
    guard try db.meta("public_key").map({ $0 == Hex.encode(secret.publicKey.bytes) }) ?? true else {
        throw CLIError("\(home.secretKeyFile) is not this database's gateway key; nothing was sealed")
    }
    let sealed = try PatientSealing.setUp(db, cipher: PatientCipher(gatewayKey: secret))
    Console.err("sealed \(sealed) patient references")
}

/// `--reveal` for `device list` and `device show`. Patient references are
/// sealed at rest, so by default they only say whether a device is assigned;
/// showing the reference needs the gateway key, as `export --fhir` does.
struct RevealOptions: ParsableArguments {
    @Flag(help: "Show patient references, not only whether a device is assigned (needs the gateway key).")
    var reveal = false
    @OptionGroup var key: KeyOptions

    /// The cipher to open references with; nil without --reveal.
    func cipher(_ home: GatewayHome) throws -> PatientCipher? {
        guard reveal else { return nil }
        return PatientCipher(gatewayKey: try GatewayIdentity.loadSecretKey(home: home, passphraseFile: try key.resolved(home)))
    }
}

/// The patient column: "-" when unassigned, "assigned" without the key, the reference with it.
func patientText(_ stored: StoredPatient?, device: String, _ cipher: PatientCipher?) throws -> String {
    guard let stored else { return "-" }
    guard let cipher else { return "assigned" }
    return try cipher.open(stored, device: device)
}
