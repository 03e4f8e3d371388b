import Codecs
import Foundation
import JSON
import Merkle
import SHA2
import SQLiteStore
import SignedNote
import Sodium
import Testing
import TestSupport

/// Independent checks of a gateway's database after a run: the leaves, and
/// every checkpoint against a Merkle tree rebuilt from them.
enum LogAudit {
    /// leaf_index → leaf bytes, read from the SQLite file after the agent is
    /// gone and decrypted with the key beside it (leaves are sealed at rest).
    /// - Parameter cipher: how to open them (default: the plain gateway.key beside the database).
    static func leaves(_ path: String, cipher given: SealedLeaves? = nil) throws -> [Int64: [UInt8]] {
        var options = Database.Options()
        options.readOnly = true
        let db = try Database(path: path, options: options)
        let cipher = try given ?? SealedLeaves(home: String(path[..<path.lastIndex(of: "/")!]))
        var result: [Int64: [UInt8]] = [:]
        let rows = try db.prepare("SELECT leaf_index, leaf, device, boot, seq, ts FROM readings").rows(map: {
            ($0.int64(0), $0.blob(1) ?? [], $0.text(2) ?? "", $0.int64(3), $0.int64(4), $0.int64(5))
        })
        for (i, leaf, device, boot, seq, ts) in rows {
            result[i] = try cipher.open(leaf, index: i, device: device, boot: boot, seq: seq, ts: ts)
        }
        return result
    }

    /// The leaves that are not readings (docs/audit.md): access events, opened
    /// like readings, and key rotation statements, by leaf index.
    static func otherLeaves(_ path: String, cipher given: SealedLeaves? = nil) throws -> [Int64: [UInt8]] {
        var options = Database.Options()
        options.readOnly = true
        let db = try Database(path: path, options: options)
        let cipher = try given ?? SealedLeaves(home: String(path[..<path.lastIndex(of: "/")!]))
        var result: [Int64: [UInt8]] = [:]
        for (i, leaf) in try db.prepare("SELECT leaf_index, leaf FROM audit_events").rows(map: { ($0.int64(0), $0.blob(1) ?? []) }) {
            result[i] = try cipher.open(leaf, index: i)
        }
        for (i, statement) in try db.prepare("SELECT leaf_index, statement FROM key_rotations").rows(map: { ($0.int64(0), $0.blob(1) ?? []) }) {
            result[i] = statement
        }
        return result
    }

    /// Every leaf of the log: readings and the others.
    static func allLeaves(_ path: String, cipher: SealedLeaves? = nil) throws -> [Int64: [UInt8]] {
        try leaves(path, cipher: cipher).merging(try otherLeaves(path, cipher: cipher)) { reading, _ in reading }
    }

    /// Every checkpoint is signed by the gateway key and its root is the RFC 9162 root of the first `size` leaves
    /// (`leaves`, with the access events and rotations of the database added).
    static func verifyCheckpoints(_ gateway: GatewayFixture, leaves given: [Int64: [UInt8]]) throws {
        let leaves = given.merging(try otherLeaves(gateway.databasePath)) { reading, _ in reading }
        try Sodium.initialize()
        let db = try Database(path: gateway.databasePath)
        let key = try #require(Hex.decode(try db.prepare("SELECT value FROM meta WHERE key = 'public_key'").rows { $0.text(0) ?? "" }.first ?? ""))
        var tree = InMemoryNodes()
        let checkpoints = try db.prepare("SELECT tree_size, note FROM checkpoints ORDER BY tree_size").rows { ($0.int64(0), $0.text(1) ?? "") }
        #expect(!checkpoints.isEmpty)
        for (size, text) in checkpoints {
            while tree.size < UInt64(size) { tree.append(leafHash: RFC9162.hashLeaf(leaves[Int64(tree.size)]!)) }
            let note = try SignedNote(parsing: text)
            let checkpoint = try Checkpoint(body: note.text)
            #expect(checkpoint.size == UInt64(size))
            #expect(checkpoint.rootHash == (try MerkleTree.root(size: UInt64(size), nodes: tree)).bytes, "checkpoint \(size)")
            try note.verify(name: checkpoint.origin, publicKey: key) { msg, sig in
                Ed25519PublicKey(bytes: key)!.isValidSignature(sig, for: msg)
            }
        }
    }
}
