import CSodium

extension Ed25519SecretKey {
    /// `crypto_kdf`'s context for data keys. libsodium contexts are exactly
    /// 8 bytes (`crypto_kdf_CONTEXTBYTES`), hence not "vgdatakey".
    static let dataKeyContext: [CChar] = Array("vgdatkey".utf8).map { CChar(bitPattern: $0) }

    /// Data key number `id`, derived from this key's seed with
    /// `crypto_kdf_derive_from_key` (BLAKE2b keyed with the seed, `id` and the
    /// context "vgdatkey" as salt and personalization), so the gateway needs
    /// no second secret file. The same seed and `id` always give the same
    /// key; knowing a data key reveals nothing about the seed or other ids.
    /// Ed25519 hashes the seed with SHA-512 and this with keyed BLAKE2b, so
    /// the two uses of the seed do not interact.
    public func deriveDataKey(id: UInt64) -> DataKey {
        withSeed { seed in
            DataKey { target in
                let status = crypto_kdf_derive_from_key(target, DataKey.byteCount, id, Self.dataKeyContext, seed)
                // Fails only for subkey lengths outside 16...64 bytes.
                precondition(status == 0, "crypto_kdf_derive_from_key failed")
            }
        }
    }
}
