import Foundation
import Sodium
import TestSupport

/// Opens reading leaves as stored at rest, following docs/security.md
/// independently of the agent's code: XChaCha20-Poly1305 under data key 1
/// derived from the gateway seed. The stored-leaf form (issue 14): associated
/// data "vitalgate-leaf/2", the leaf index, boot, seq and ts (big-endian, 8,
/// 4, 8, 8 bytes) and the device ID; the plaintext is the leaf without its
/// `boot`, `device`, `seq` and `ts` members, which the row holds. The whole-
/// leaf form (before): associated data "vitalgate-leaf/1" and the leaf index.
struct SealedLeaves {
    let key: DataKey

    /// The data key of the plain gateway.key in `home`.
    init(home: String) throws {
        key = try KeyFile.read(from: home + "/gateway.key").deriveDataKey(id: 1)
    }

    init(secretKey: Ed25519SecretKey) {
        key = secretKey.deriveDataKey(id: 1)
    }

    /// The canonical leaf of a row: `leaf`, and the row's clear `device`, `boot`, `seq`, `ts`.
    func open(_ sealed: [UInt8], index: Int64, device: String, boot: Int64, seq: Int64, ts: Int64) throws -> [UInt8] {
        func bigEndian(_ value: UInt64, _ bytes: Int) -> [UInt8] {
            (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        }
        let stored = Array("vitalgate-leaf/2".utf8) + bigEndian(UInt64(index), 8) + bigEndian(UInt64(boot), 4) + bigEndian(UInt64(seq), 8)
            + bigEndian(UInt64(bitPattern: ts), 8) + Array(device.utf8)
        if let body = try? key.open(sealed, associatedData: stored) {
            // Put the row's members back and sort all by key (docs/encoding.md: keys sorted bytewise).
            let text = String(decoding: body, as: UTF8.self)
            var members = text.dropFirst().dropLast().split(separator: ",").map(String.init)
            members += ["\"boot\":\(boot)", "\"device\":\"\(device)\"", "\"seq\":\(seq)", "\"ts\":\(ts)"]
            members.sort { Array($0.split(separator: "\"")[0].utf8).lexicographicallyPrecedes(Array($1.split(separator: "\"")[0].utf8)) }
            return Array(("{" + members.joined(separator: ",") + "}").utf8)
        }
        return try open(sealed, index: index)
    }

    /// A leaf sealed whole at `index`: an access event's (docs/audit.md), or a reading's before issue 14.
    func open(_ sealed: [UInt8], index: Int64) throws -> [UInt8] {
        var whole = Array("vitalgate-leaf/1".utf8)
        for shift in stride(from: 56, through: 0, by: -8) { whole.append(UInt8(truncatingIfNeeded: UInt64(index) >> UInt64(shift))) }
        return try key.open(sealed, associatedData: whole)
    }
}
