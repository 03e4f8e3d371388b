import Bitcoin
import JSON
import Merkle
import ProofBundle
import SHA2
import SignedNote
import Testing
import Vitals
@testable import OpenTimestamps

/// The OpenTimestamps conversion (docs/proof-bundle.md, "OpenTimestamps"),
/// on a bundle built here end to end (tree, anchor transaction, block): the
/// serialized `.ots` is read back by an independent reader and replayed to
/// the block's Merkle root. The stock client's check against a node is
/// VerifyVerdictTests (integration).
@Suite struct DetachedTimestampTests {
    @Test func varuintsAreLEB128AsTheClientWritesThem() {
        for (value, bytes) in [(0, [0x00]), (1, [0x01]), (127, [0x7f]), (128, [0x80, 0x01]), (300, [0xac, 0x02]), (16384, [0x80, 0x80, 0x01])] as [(UInt64, [UInt8])] {
            var out: [UInt8] = []
            OTSVarint.append(value, to: &out)
            #expect(out == bytes, "\(value)")
        }
    }

    @Test func theFileLayout() {
        let t = DetachedTimestamp(fileDigest: [UInt8](repeating: 7, count: 32), operations: [.append([1, 2]), .sha256, .prepend([9])], blockHeight: 300)
        // (Byte strings joined from a list: Swift 6.2, Debian's, for the arm64 tests, gives up on long sums.)
        let expected: [UInt8] = [DetachedTimestamp.magic, [0x01, 0x08], [UInt8](repeating: 7, count: 32),
            [0xf0, 0x02, 1, 2, 0x08, 0xf1, 0x01, 9], [0x00], [0x05, 0x88, 0x96, 0x0d, 0x73, 0xd7, 0x19, 0x01], [0x02, 0xac, 0x02]].flatMap { $0 }
        #expect(t.bytes == expected)
        // python-opentimestamps HEADER_MAGIC.
        let magic: [UInt8] = [[0x00], Array("OpenTimestamps".utf8), [0x00, 0x00], Array("Proof".utf8),
                              [0x00, 0xbf, 0x89, 0xe2, 0xe8, 0x84, 0xe8, 0x92, 0x94]].flatMap { $0 }
        #expect(DetachedTimestamp.magic == magic)
    }

    /// A bundle for leaf `index` of a 5-leaf log, anchored by a transaction
    /// that is the second of a two-transaction block at height 7.
    static func bundle(index: UInt64) throws -> (ProofBundle, BlockHeader) {
        var tree = InMemoryNodes()
        let leaves = (0..<5).map { Array("leaf \($0)".utf8) }
        for leaf in leaves { tree.append(leafHash: RFC9162.hashLeaf(leaf)) }
        let root = try MerkleTree.root(size: 5, nodes: tree).bytes
        let key = [UInt8](repeating: 0x11, count: 32)
        let payload = AnchorPayload(treeSize: 5, rootHash: root, gatewayPublicKey: key).bytes
        let raw: [UInt8] = [[0x02, 0, 0, 0, 0x01], [UInt8](repeating: 0xaa, count: 32), [0, 0, 0, 0, 0x00, 0xff, 0xff, 0xff, 0xff],
                            [0x01], [UInt8](repeating: 0, count: 8), [0x36, 0x6a, 0x34], payload, [0, 0, 0, 0]].flatMap { $0 }
        let tx = try BitcoinTransaction(parsing: raw)
        let coinbase = [UInt8](repeating: 0x55, count: 32)
        let merkleRoot = SHA256.hash(SHA256.hash(coinbase + tx.txid).bytes).bytes
        let headerBytes: [UInt8] = [[0x00, 0x00, 0x00, 0x20], [UInt8](repeating: 0x33, count: 32), merkleRoot, [1, 2, 3, 4],
                                    [0xff, 0xff, 0x7f, 0x20], [0, 0, 0, 0]].flatMap { $0 }
        let header = try BlockHeader(parsing: headerBytes)
        // CPartialMerkleTree: 2 transactions, hashes [coinbase, txid], bits 1 (root), 0, 1 = 0x05.
        let proof: [UInt8] = [headerBytes, [0x02, 0, 0, 0], [0x02], coinbase, tx.txid, [0x01, 0x05]].flatMap { $0 }
        let checkpoint = Checkpoint(origin: "vitalgate/ots", size: 5, rootHash: root)
        let note = SignedNote.sign(text: checkpoint.body, name: "vitalgate/ots", keyID: [1, 2, 3, 4]) { _ in [UInt8](repeating: 9, count: 64) }
        let reading = Reading(device: "th-1", boot: 0, seq: 1, ts: 1, metrics: [(key: "temp", value: ExactDecimal(text: "36.6")!)])
        let bundle = ProofBundle(reading: reading, salt: nil, leaf: leaves[Int(index)], leafIndex: index, treeSize: 5,
                                 inclusion: try MerkleTree.inclusionProof(index: index, size: 5, nodes: tree).map(\.bytes),
                                 checkpoint: note.serialized, gatewayPublicKey: key,
                                 anchor: .init(txid: tx.txidHex, blockHash: header.hashHex, blockHeight: 7, confirmations: 1, rawTx: raw, txoutProof: proof))
        return (bundle, header)
    }

    /// An independent reader of a linear `.ots` file: the file digest, the
    /// operations replayed on it, and the attestation's height.
    static func replay(_ file: [UInt8]) throws -> (digest: [UInt8], result: [UInt8], height: UInt64) {
        var i = DetachedTimestamp.magic.count
        func byte() throws -> UInt8 {
            guard i < file.count else { throw ReplayError() }
            defer { i += 1 }
            return file[i]
        }
        func varuint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                let b = try byte()
                value |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return value }
                shift += 7
            }
        }
        func bytes(_ n: Int) throws -> [UInt8] { try (0..<n).map { _ in try byte() } }
        guard Array(file.prefix(DetachedTimestamp.magic.count)) == DetachedTimestamp.magic, try varuint() == 1, try byte() == 0x08 else { throw ReplayError() }
        let digest = try bytes(32)
        var message = digest
        while true {
            switch try byte() {
            case 0x08: message = SHA256.hash(message).bytes
            case 0xf0: message += try bytes(Int(try varuint()))
            case 0xf1: message = try bytes(Int(try varuint())) + message
            case 0x00:
                guard try bytes(8) == DetachedTimestamp.bitcoinAttestationTag, try varuint() >= 1 else { throw ReplayError() }
                let height = try varuint()
                guard i == file.count else { throw ReplayError() }
                return (digest, message, height)
            default: throw ReplayError()
            }
        }
    }
    struct ReplayError: Error {}

    @Test(arguments: [0, 3, 4] as [UInt64])
    func aBundleBecomesAProofOfItsBlocksMerkleRoot(index: UInt64) throws {
        let (bundle, header) = try Self.bundle(index: index)
        let converted = try BundleTimestamp(bundle: bundle)
        #expect(converted.file == [0x00] + bundle.leaf)
        let (digest, result, height) = try Self.replay(converted.timestamp.bytes)
        #expect(digest == RFC9162.hashLeaf(bundle.leaf).bytes, "the file's SHA-256 is the leaf hash")
        #expect(result == header.merkleRoot && height == 7)
    }

    @Test func aChangedLeafOrProofDoesNotConvert() throws {
        let (bundle, _) = try Self.bundle(index: 2)
        var leaf = bundle
        leaf.leaf[0] ^= 1
        #expect(throws: (any Error).self) { try BundleTimestamp(bundle: leaf) }
        var path = bundle
        path.inclusion[0][5] ^= 1
        #expect(throws: (any Error).self) { try BundleTimestamp(bundle: path) }
        var block = bundle
        block.anchor.txoutProof[40] ^= 1  // the header's Merkle root
        #expect(throws: (any Error).self) { try BundleTimestamp(bundle: block) }
    }
}
