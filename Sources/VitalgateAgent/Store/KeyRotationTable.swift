import Codecs
import JSON
import ProofBundle
import SignedNote
import SQLiteStore

/// The gateway's key chain (`key_rotations`): each rotation statement, the
/// old key's signature over it, and its leaf index in the log.
public struct KeyRotationTable {
    let db: Database

    public init(_ db: Database) { self.db = db }

    /// Every rotation, oldest first: the chain a proof bundle carries.
    public func links() throws -> [KeyChainLink] {
        try db.prepare("SELECT statement, signature, leaf_index FROM key_rotations ORDER BY leaf_index").rows {
            KeyChainLink(statement: $0.blob(0) ?? [], signature: $0.blob(1) ?? [], leafIndex: UInt64($0.int64(2)))
        }
    }

    /// The gateway's keys in order: the provisioned key, then each rotation's
    /// new key. Without rotations, the current key from `meta`.
    public func keys() throws -> [[UInt8]] {
        let rows = try db.prepare("SELECT old_key, new_key FROM key_rotations ORDER BY leaf_index").rows { ($0.text(0) ?? "", $0.text(1) ?? "") }
        let hex = rows.isEmpty ? [try db.meta("public_key") ?? ""] : [rows[0].0] + rows.map(\.1)
        return try hex.map { text in
            guard let key = Hex.decode(text), key.count == 32 else { throw StoreError("a gateway public key in the database is damaged") }
            return key
        }
    }

    /// The chain key whose signature line the checkpoint `note` carries.
    public func signer(of note: String) throws -> [UInt8] {
        let parsed = try SignedNote(parsing: note)
        let origin = try Checkpoint(body: parsed.text).origin
        for key in try keys().reversed() {
            let id = Ed25519NoteKey.keyID(name: origin, publicKey: key)
            if parsed.signatures.contains(where: { $0.name == origin && $0.keyID == id }) { return key }
        }
        throw StoreError("no key of this gateway's key chain signed the checkpoint: the database is damaged")
    }

    /// Records a rotation. Precondition: inside the transaction that appends its leaf.
    func insert(_ rotation: KeyRotation, statement: [UInt8], signature: [UInt8], leafIndex: UInt64, at millis: Int64) throws {
        try db.cachedStatement("""
            INSERT INTO key_rotations(leaf_index, old_key, new_key, statement, signature, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """).run(.integer(Int64(leafIndex)), .text(Hex.encode(rotation.oldKey)), .text(Hex.encode(rotation.newKey)),
                     .blob(statement), .blob(signature), .integer(millis))
    }

    public func count() throws -> Int64 { try db.scalar("SELECT COUNT(*) FROM key_rotations") }
}
