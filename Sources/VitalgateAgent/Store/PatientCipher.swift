import Codecs
import FHIR
import JSON
import SQLiteStore
import Sodium

/// A patient reference as a row holds it (`devices.patient`,
/// `device_assignments.patient`, `deliveries.patient`, all TEXT columns):
/// a BLOB is a sealed box (`PatientCipher`); TEXT is a reference in the
/// clear, written by a release before patient sealing and not sealed yet
/// (docs/security.md, "Vitals at rest"). SQLite keeps a BLOB as a BLOB in a
/// column of TEXT affinity, so the storage class itself tells the two apart
/// and no schema change is needed.
public enum StoredPatient: Sendable, Equatable, Hashable {
    case sealed([UInt8])
    case clear(String)

    /// The reference in a column value; nil for NULL (unassigned).
    public static func from(_ value: SQLiteValue) throws -> StoredPatient? {
        switch value {
        case .null: return nil
        case .blob(let bytes): return .sealed(bytes)
        case .text(let text): return .clear(text)
        case .integer, .real: throw StoreError("a stored patient reference is a number, neither sealed nor a reference: the database was changed outside vitalgate")
        }
    }

    /// The column value to store.
    public var value: SQLiteValue {
        switch self {
        case .sealed(let bytes): .blob(bytes)
        case .clear(let text): .text(text)
        }
    }
}

/// Seals patient references to the gateway's patient key, whose public half
/// is in `meta` (`patient_key`): so `device add --patient` and `device
/// assign` need no secret, and work with a gateway key sealed by a passphrase.
public struct PatientSealer: Sendable {
    public let publicKey: SealedBoxPublicKey

    public init(publicKey: SealedBoxPublicKey) { self.publicKey = publicKey }

    /// `patient` for `device`, sealed: a different blob on every call.
    public func seal(_ patient: String, device: String) throws -> [UInt8] {
        var message = try PatientCipher.message(patient, device: device)
        defer { sodiumZero(&message) }
        return publicKey.seal(message)
    }

    /// The sealer of the key recorded in `db`; nil while the database has
    /// none (made by an earlier release and not yet sealed, see `PatientSealing.setUp`).
    public static func recorded(in db: Database) throws -> PatientSealer? {
        guard let hex = try db.meta(PatientSealing.metaKey) else { return nil }
        guard let bytes = Hex.decode(hex), let key = SealedBoxPublicKey(bytes: bytes) else {
            throw StoreError("meta \(PatientSealing.metaKey) is not a 32-byte hex key: the database was changed outside vitalgate")
        }
        return PatientSealer(publicKey: key)
    }
}

/// Opens patient references sealed at rest (docs/security.md, "Vitals at
/// rest"), with the gateway's secret key: delivery, `export --fhir`,
/// `device show --reveal`, key rotation.
///
/// Why a sealed box (X25519, `crypto_box_seal`) rather than the readings'
/// XChaCha20-Poly1305 data key: enrolling and assigning devices must keep
/// working without the gateway's secret key, which may be sealed with a
/// passphrase that only the agent's boot has. Writers need only the public
/// half; anything that shows a patient needs the secret one.
///
/// The key pair is sealed-box pair 1 derived from the gateway seed
/// (`deriveSealedBoxKeyPair`, context "vgboxkey"), so it changes with the
/// gateway key and `rotate-key` re-seals every reference.
///
/// A sealed box has no associated data, so the message binds the row: it is
/// "vitalgate-patient/1", the device id and the reference, each of the last
/// two after its length in one byte, zero-padded to 160 bytes (so the size of
/// a blob does not tell the length of the patient id). Opening checks all of
/// it, so a blob moved to another device's row fails. The binding is the
/// device and not the row id on purpose: the assignment triggers (schema 2)
/// copy `devices.patient` into `device_assignments`, and delivery copies an
/// assignment into `deliveries`, blob for blob.
public struct PatientCipher: Sendable {
    /// The `deriveSealedBoxKeyPair(id:)` number of the patient key.
    public static let keyID: UInt64 = 1
    static let domain = Array("vitalgate-patient/1".utf8)
    static let paddedByteCount = 160

    let keys: SealedBoxKeyPair

    public init(keys: SealedBoxKeyPair) { self.keys = keys }

    /// The cipher for patients under `secretKey`.
    public init(gatewayKey secretKey: Ed25519SecretKey) {
        keys = secretKey.deriveSealedBoxKeyPair(id: Self.keyID)
    }

    public var sealer: PatientSealer { PatientSealer(publicKey: keys.publicKey) }

    /// The reference `stored` for `device`. A clear one (an earlier release's)
    /// is returned as it is. Throws when a sealed one was altered, belongs to
    /// another device, or was sealed to another gateway key; the error never
    /// holds the reference.
    public func open(_ stored: StoredPatient, device: String) throws -> String {
        switch stored {
        case .clear(let patient):
            return patient
        case .sealed(let sealed):
            let failure = StoreError("the patient reference of device `\(device)` cannot be opened; "
                + "it belongs to another device or gateway key, or was altered")
            guard var message = try? keys.open(sealed) else { throw failure }
            defer { sodiumZero(&message) }
            guard let patient = Self.patient(in: message, device: device) else { throw failure }
            return patient
        }
    }

    /// The message sealed for `patient` of `device`.
    static func message(_ patient: String, device: String) throws -> [UInt8] {
        let deviceBytes = Array(device.utf8), patientBytes = Array(patient.utf8)
        guard deviceBytes.count <= 255, PatientReference.isValid(patient) else {
            throw StoreError(PatientReference.syntaxHelp + " (device `\(device)`)")
        }
        var message = domain
        message.reserveCapacity(paddedByteCount)
        message.append(UInt8(deviceBytes.count))
        message += deviceBytes
        message.append(UInt8(patientBytes.count))
        message += patientBytes
        if message.count < paddedByteCount { message += [UInt8](repeating: 0, count: paddedByteCount - message.count) }
        return message
    }

    /// The reference in `message` if it is a patient message for `device`
    /// exactly as `message(_:device:)` makes them.
    static func patient(in message: [UInt8], device: String) -> String? {
        let deviceBytes = Array(device.utf8)
        var rest = message[...]
        guard rest.starts(with: domain) else { return nil }
        rest = rest.dropFirst(domain.count)
        guard let deviceCount = rest.first, Int(deviceCount) == deviceBytes.count,
              rest.dropFirst().starts(with: deviceBytes) else { return nil }
        rest = rest.dropFirst(1 + deviceBytes.count)
        guard let patientCount = rest.first, rest.count > Int(patientCount) else { return nil }
        let patientBytes = rest.dropFirst().prefix(Int(patientCount))
        let padding = rest.dropFirst(1 + Int(patientCount))
        // Exactly as padded: to 160 bytes, or not at all when longer.
        let used = message.count - padding.count
        guard message.count == max(paddedByteCount, used), padding.allSatisfy({ $0 == 0 }) else { return nil }
        let patient = String(decoding: patientBytes, as: UTF8.self)
        return PatientReference.isValid(patient) ? patient : nil
    }
}
