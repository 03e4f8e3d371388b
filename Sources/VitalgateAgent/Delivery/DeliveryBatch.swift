import FHIR
import Merkle
import SQLiteStore
import Vitals

/// A formed batch as stored: the readings it carries, in log order, with
/// what the Bundle needs of each, and the coverage fixed when it was formed.
public struct DeliveryBatch: Sendable {
    public struct Item: Sendable {
        public let leafIndex: UInt64
        /// The reading and its salt (none in a version 1 leaf).
        public let leaf: ReadingLeaf
        public let leafHash: [UInt8]
        public let patient: String
        public let profile: DeviceProfile
    }

    public let id: Int64
    public let createdAt: Int64
    public let attempts: Int64
    public let coverage: DeliveryCoverage
    public let items: [Item]

    /// Loads batch `id`. Throws if a stored leaf or profile no longer parses:
    /// the database was changed outside vitalgate.
    static func load(_ db: Database, id: Int64, cipher: LeafCipher, patients: PatientCipher) throws -> DeliveryBatch? {
        let head = try db.prepare("""
            SELECT created_at, attempts, checkpoint_size, checkpoint_root, anchor_txid, anchor_block_height, anchor_block_hash
            FROM delivery_batches WHERE id = ?
            """).rows(.integer(id)) { st in
            (st.int64(0), st.int64(1), UInt64(st.int64(2)), st.blob(3) ?? [], st.text(4),
             st.isNull(5) ? nil : st.int64(5), st.text(6))
        }.first
        guard let (createdAt, attempts, size, root, txid, height, hash) = head else { return nil }
        var profiles: [String: DeviceProfile] = [:]
        // A batch's readings share few assignments: each sealed patient is opened
        // once per device (the device too, so the cache cannot skip the binding check).
        var opened: [String: [StoredPatient: String]] = [:]
        let items = try db.prepare("""
            SELECT d.leaf_index, r.leaf, d.patient, p.name, p.json, r.device, r.boot, r.seq, r.ts
            FROM deliveries d JOIN readings r ON r.leaf_index = d.leaf_index
            JOIN devices v ON v.id = r.device JOIN profiles p ON p.name = v.profile
            WHERE d.batch = ? ORDER BY d.leaf_index
            """).rows(.integer(id)) { st -> Item in
            let leaf = try cipher.open(st.blob(1) ?? [], row: LeafCipher.Row(index: UInt64(st.int64(0)), device: st.text(5) ?? "",
                                                                            boot: UInt32(truncatingIfNeeded: st.int64(6)), seq: UInt64(st.int64(7)), ts: st.int64(8)))
            let name = st.text(3) ?? ""
            let profile: DeviceProfile
            if let known = profiles[name] {
                profile = known
            } else {
                profile = try DeviceProfile.parse(st.blob(4) ?? [])
                profiles[name] = profile
            }
            let device = st.text(5) ?? "", stored = try StoredPatient.from(st.value(2)) ?? .clear("")
            let patient = try opened[device]?[stored] ?? patients.open(stored, device: device)
            opened[device, default: [:]][stored] = patient
            return Item(leafIndex: UInt64(st.int64(0)), leaf: try ReadingLeaf(bytes: leaf),
                        leafHash: RFC9162.hashLeaf(leaf).bytes, patient: patient, profile: profile)
        }
        let anchor = txid.map { DeliveryCoverage.Anchor(txid: $0, blockHeight: height, blockHash: hash) }
        let coverage = DeliveryCoverage(checkpointSize: size, checkpointRoot: root, anchor: anchor,
                                        leaves: items.map { DeliveryCoverage.Leaf(index: $0.leafIndex, hash: $0.leafHash) })
        return DeliveryBatch(id: id, createdAt: createdAt, attempts: attempts, coverage: coverage, items: items)
    }
}
