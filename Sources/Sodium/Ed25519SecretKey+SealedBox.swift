import CSodium

extension Ed25519SecretKey {
    /// `crypto_kdf`'s context for sealed-box seeds: not "vgdatkey", so a box
    /// seed can never equal a data key of the same number.
    static let sealedBoxContext: [CChar] = Array("vgboxkey".utf8).map { CChar(bitPattern: $0) }

    /// Sealed-box key pair number `id`: its 32-byte seed is derived from this
    /// key's seed with `crypto_kdf_derive_from_key` (context "vgboxkey"),
    /// then `crypto_box_seed_keypair`. Deterministic, like `deriveDataKey`,
    /// so the gateway needs no second secret file; and a key pair of its own
    /// rather than the Ed25519 key converted to X25519, so signing and
    /// sealing never share a key.
    public func deriveSealedBoxKeyPair(id: UInt64) -> SealedBoxKeyPair {
        withSeed { seed in
            var boxSeed = [UInt8](repeating: 0, count: SealedBoxKeyPair.seedByteCount)
            defer { sodiumZero(&boxSeed) }
            let status = crypto_kdf_derive_from_key(&boxSeed, boxSeed.count, id, Self.sealedBoxContext, seed)
            // Fails only for subkey lengths outside 16...64 bytes.
            precondition(status == 0, "crypto_kdf_derive_from_key failed")
            // A 32-byte seed is all crypto_box_seed_keypair checks.
            guard let pair = try? SealedBoxKeyPair(seed: boxSeed) else { fatalError("crypto_box_seed_keypair failed") }
            return pair
        }
    }
}
