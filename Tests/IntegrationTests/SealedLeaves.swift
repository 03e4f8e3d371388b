import Foundation
import Sodium
import TestSupport

/// Opens reading leaves as stored at rest, following docs/security.md
/// independently of the agent's code: XChaCha20-Poly1305 under data key 1
/// derived from the gateway seed, associated data "vitalgate-leaf/1" and the
/// leaf index as 8 big-endian bytes.
struct SealedLeaves {
    let key: DataKey

    /// The data key of the plain gateway.key in `home`.
    init(home: String) throws {
        key = try KeyFile.read(from: home + "/gateway.key").deriveDataKey(id: 1)
    }

    init(secretKey: Ed25519SecretKey) {
        key = secretKey.deriveDataKey(id: 1)
    }

    func open(_ sealed: [UInt8], index: Int64) throws -> [UInt8] {
        let associated = Array("vitalgate-leaf/1".utf8) + (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(index) >> (8 * UInt64($0))) }
        return try key.open(sealed, associatedData: associated)
    }
}
