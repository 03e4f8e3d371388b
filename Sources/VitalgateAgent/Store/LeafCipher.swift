import Sodium
import Vitals

/// Seals reading leaves for storage, so a copied SD card shows no vitals
/// without the gateway's secret key (docs/security.md, "Vitals at rest").
///
/// The key is data key 1 derived from the gateway seed
/// (`Ed25519SecretKey.deriveDataKey`, BLAKE2b with context "vgdatkey"), so it
/// changes when the gateway key is rotated: `rotate-key` re-seals every row.
/// Only the values and the salt are sealed: device, boot, seq and timestamps
/// stay in the clear for lookups, and the Merkle log hashes the plaintext
/// leaf, so proofs are unchanged.
///
/// Two forms (docs/security.md):
/// - **stored leaf** (issue 14 on): the leaf without the members its row
///   already holds in the clear (`boot`, `device`, `seq`, `ts`), e.g.
///   `{"hr":72,"salt":"…","spo2":97}`; associated data "vitalgate-leaf/2", the
///   leaf index and those four values, so neither the row's place nor its
///   clear columns can change unnoticed. About 80 bytes less per row than the
///   whole leaf: each is written to the card twice (WAL and database,
///   docs/performance.md, "Writes").
/// - **whole leaf** (before): the canonical leaf; associated data
///   "vitalgate-leaf/1" and the leaf index. Rows written so are still read.
public struct LeafCipher: Sendable {
    /// The `deriveDataKey(id:)` number of the reading key.
    public static let dataKeyID: UInt64 = 1
    static let domain = Array("vitalgate-leaf/1".utf8)
    static let storedDomain = Array("vitalgate-leaf/2".utf8)

    let key: DataKey

    public init(key: DataKey) { self.key = key }

    /// The cipher for readings under `secretKey`.
    public init(gatewayKey secretKey: Ed25519SecretKey) {
        key = secretKey.deriveDataKey(id: Self.dataKeyID)
    }

    /// What a reading's row holds in the clear beside its sealed leaf. Its
    /// memberwise init (from the stored columns) is internal: only this
    /// module reads rows; others make one from a reading.
    public struct Row: Sendable, Equatable {
        public let index: UInt64
        public let device: String
        public let boot: UInt32
        public let seq: UInt64
        public let ts: Int64
    }

    /// Seals canonical `leaf` (docs/encoding.md) stored in `row`, in the
    /// stored-leaf form; the nonce from `nonces` when given (the ingest thread's pool).
    public func seal(leaf: [UInt8], row: Row, nonces: RandomPool? = nil) -> [UInt8] {
        var body = Self.storedBody(leaf)
        defer { sodiumZero(&body) }
        return key.seal(body, associatedData: Self.storedAssociatedData(row), nonces: nonces)
    }

    /// The canonical leaf of the reading stored in `row`, from its sealed
    /// form (either); throws when the bytes or the row's clear values were
    /// altered, moved from another index, or sealed under another gateway key.
    public func open(_ sealed: [UInt8], row: Row) throws -> [UInt8] {
        if var body = try? key.open(sealed, associatedData: Self.storedAssociatedData(row)) {
            defer { sodiumZero(&body) }
            guard let leaf = Self.leaf(fromStoredBody: body, row: row) else {
                throw StoreError("the reading at log index \(row.index) is sealed but does not make a leaf (docs/encoding.md): the database was altered")
            }
            return leaf
        }
        return try open(sealed, index: row.index)
    }

    /// Nonce, ciphertext and tag of the whole `leaf` stored at `index` (the
    /// form before issue 14; rows are written in the stored-leaf form now).
    public func seal(_ leaf: [UInt8], index: UInt64, nonces: RandomPool? = nil) -> [UInt8] {
        key.seal(leaf, associatedData: Self.associatedData(index), nonces: nonces)
    }

    /// The whole leaf stored at `index` (the form before issue 14).
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
        appendBigEndian(index, to: &data)
        return data
    }

    /// "vitalgate-leaf/2" ‖ index ‖ boot ‖ seq ‖ ts (big-endian, 8, 4, 8, 8 bytes) ‖ device (UTF-8).
    static func storedAssociatedData(_ row: Row) -> [UInt8] {
        var data = storedDomain
        data.reserveCapacity(storedDomain.count + 28 + row.device.utf8.count)
        appendBigEndian(row.index, to: &data)
        for shift in stride(from: 24, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: row.boot >> UInt32(shift))) }
        appendBigEndian(row.seq, to: &data)
        appendBigEndian(UInt64(bitPattern: row.ts), to: &data)
        data += row.device.utf8
        return data
    }

    static func appendBigEndian(_ value: UInt64, to data: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// The members the row holds in the clear.
    static let rowKeys: Set<String> = ["boot", "device", "seq", "ts"]

    /// The leaf without its `boot`, `device`, `seq` and `ts` members. The
    /// canonical leaf is one flat object whose values never hold a comma
    /// (integers, exact decimals, a device ID, hex), so its members are the
    /// text between top-level commas.
    static func storedBody(_ leaf: [UInt8]) -> [UInt8] {
        let inner = leaf.dropFirst().dropLast()
        var body: [UInt8] = [UInt8(ascii: "{")]
        for member in inner.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) where !rowKeys.contains(key(member)) {
            if body.count > 1 { body.append(UInt8(ascii: ",")) }
            body += member
        }
        body.append(UInt8(ascii: "}"))
        return body
    }

    /// The canonical leaf from a stored body and its row: the row's members
    /// put back in their bytewise place, then read strictly
    /// (`ReadingLeaf(bytes:)`); nil if that is not a canonical leaf.
    static func leaf(fromStoredBody body: [UInt8], row: Row) -> [UInt8]? {
        guard body.first == UInt8(ascii: "{"), body.last == UInt8(ascii: "}") else { return nil }
        var members = body.dropFirst().dropLast().split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).map { Array($0) }
        members += [Array("\"boot\":\(row.boot)".utf8), Array("\"device\":\"\(row.device)\"".utf8),
                    Array("\"seq\":\(row.seq)".utf8), Array("\"ts\":\(row.ts)".utf8)]
        members.sort { key($0[...]).utf8.lexicographicallyPrecedes(key($1[...]).utf8) }
        var leaf: [UInt8] = [UInt8(ascii: "{")]
        for (i, member) in members.enumerated() {
            if i > 0 { leaf.append(UInt8(ascii: ",")) }
            leaf += member
        }
        leaf.append(UInt8(ascii: "}"))
        guard (try? ReadingLeaf(bytes: leaf)) != nil else { return nil }
        return leaf
    }

    /// A member's key: the text between its first two quotes.
    private static func key(_ member: ArraySlice<UInt8>) -> String {
        guard let open = member.firstIndex(of: UInt8(ascii: "\"")),
              let close = member[(open + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { return "" }
        return String(decoding: member[(open + 1)..<close], as: UTF8.self)
    }
}

extension LeafCipher.Row {
    public init(index: UInt64, _ reading: Reading) {
        self.init(index: index, device: reading.device, boot: reading.boot, seq: reading.seq, ts: reading.ts)
    }
}
