import Sodium

/// Seals reading leaves for storage, so a copied SD card shows no vitals
/// without the gateway's secret key (docs/security.md, "Vitals at rest").
///
/// The key is data key 1 derived from the gateway seed
/// (`Ed25519SecretKey.deriveDataKey`, BLAKE2b with context "vgdatkey"), so it
/// changes when the gateway key is rotated: `rotate-key` re-seals every row.
/// The associated data binds each sealed leaf to its place in the log
/// ("vitalgate-leaf/1" then the leaf index as 8 big-endian bytes), so sealed
/// rows cannot be swapped between indices unnoticed. Only the leaf is sealed:
/// device, boot, seq and timestamps stay in the clear for lookups, and the
/// Merkle log hashes the plaintext, so proofs are unchanged.
public struct LeafCipher: Sendable {
    /// The `deriveDataKey(id:)` number of the reading key.
    public static let dataKeyID: UInt64 = 1
    static let domain = Array("vitalgate-leaf/1".utf8)

    let key: DataKey

    public init(key: DataKey) { self.key = key }

    /// The cipher for readings under `secretKey`.
    public init(gatewayKey secretKey: Ed25519SecretKey) {
        key = secretKey.deriveDataKey(id: Self.dataKeyID)
    }

    /// Nonce, ciphertext and tag of `leaf` stored at `index`; the nonce from
    /// `nonces` when given (the ingest thread's pool).
    public func seal(_ leaf: [UInt8], index: UInt64, nonces: RandomPool? = nil) -> [UInt8] {
        key.seal(leaf, associatedData: Self.associatedData(index), nonces: nonces)
    }

    /// The leaf stored at `index`; throws when the bytes were altered, moved
    /// from another index, or sealed under another gateway key.
    public func open(_ sealed: [UInt8], index: UInt64) throws -> [UInt8] {
        do {
            return try key.open(sealed, associatedData: Self.associatedData(index))
        } catch {
            throw StoreError("the reading at log index \(index) cannot be decrypted (\(error)); "
                + "this database belongs to another gateway key, or was altered")
        }
    }

    static func associatedData(_ index: UInt64) -> [UInt8] {
        var data = domain
        data.reserveCapacity(domain.count + 8)
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: index >> UInt64(shift))) }
        return data
    }
}
