import Bitcoin
import Merkle
import ProofBundle
import SHA2
import SignedNote

/// A proof bundle as an OpenTimestamps proof (docs/proof-bundle.md,
/// "OpenTimestamps"): every hash on the way from the leaf to the block is
/// SHA-256, so the bundle's path is a sequence of the client's operations.
///
/// - the timestamped file is the leaf's preimage `0x00 || leaf`: its SHA-256
///   is the leaf hash (RFC 9162 section 2.1.1);
/// - each inclusion step (RFC 9162 section 2.1.3.2) is `SHA-256(0x01 || left
///   || right)`: prepend `0x01 || sibling` for a left sibling, or append the
///   sibling and prepend `0x01`, then sha256;
/// - the root sits inside the anchor transaction's OP_RETURN: prepend the
///   transaction's bytes before it, append those after, sha256 twice: the
///   txid (internal byte order);
/// - each step of the block's Merkle path (from the txout proof) is SHA256d
///   of the pair: prepend or append the sibling, sha256 twice;
/// - the result is the header's Merkle root: a Bitcoin block header
///   attestation at the anchor's height.
///
/// The client checks only Bitcoin block headers; on a Litecoin chain the
/// attestation is still labelled Bitcoin's, and verifies against a Litecoin
/// node (the header layout and hashes are the same).
public struct BundleTimestamp: Sendable {
    /// The file to timestamp: `0x00 || leaf`.
    public let file: [UInt8]
    public let timestamp: DetachedTimestamp

    public struct ConversionError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Converts a bundle. It must verify (`BundleVerifier`): nothing is
    /// checked here beyond what the conversion itself needs, and the result is
    /// replayed to the header's Merkle root before it is returned.
    public init(bundle b: ProofBundle) throws {
        file = [0x00] + b.leaf
        var ops: [TimestampOperation] = []
        // Inclusion: the walk of RFC 9162 section 2.1.3.2.
        let size = b.treeSize
        var fn = b.leafIndex, sn = size - 1
        for p in b.inclusion {
            guard p.count == 32 else { throw ConversionError("an inclusion hash is not 32 bytes") }
            if fn & 1 == 1 || fn == sn {
                ops += [.prepend([0x01] + p), .sha256]
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                ops += [.append(p), .prepend([0x01]), .sha256]
            }
            fn >>= 1
            sn >>= 1
        }
        // The checkpoint's root inside the anchor payload of the transaction.
        let checkpoint = try Checkpoint(body: try SignedNote(parsing: b.checkpoint).text)
        let tx = try BitcoinTransaction(parsing: b.anchor.rawTx)
        guard !tx.hasWitness else { throw ConversionError("raw_tx carries witness data: the txid would not cover every byte") }
        let payload = AnchorPayload(treeSize: checkpoint.size, rootHash: checkpoint.rootHash, gatewayPublicKey: b.gatewayPublicKey).bytes
        let raw = tx.strippedBytes
        guard let at = Self.firstIndex(of: payload, in: raw) else {
            throw ConversionError("the anchor transaction carries no VGT1 payload for this checkpoint")
        }
        let rootStart = at + 12
        ops += [.prepend(Array(raw[..<rootStart])), .append(Array(raw[(rootStart + 32)...])), .sha256, .sha256]
        // The block's Merkle tree, from the txout proof.
        let block = try MerkleBlock(parsing: b.anchor.txoutProof)
        for step in try block.path(to: tx.txid) {
            ops += [step.siblingIsLeft ? .prepend(step.sibling) : .append(step.sibling), .sha256, .sha256]
        }
        guard b.anchor.blockHeight >= 0 else { throw ConversionError("anchor.block_height is negative") }
        timestamp = DetachedTimestamp(fileDigest: SHA256.hash(file).bytes, operations: ops, blockHeight: UInt64(b.anchor.blockHeight))
        for op in ops {
            if case .append(let a) = op, a.isEmpty || a.count > TimestampOperation.maxLength { throw ConversionError("an operation argument is out of the client's bounds") }
            if case .prepend(let a) = op, a.isEmpty || a.count > TimestampOperation.maxLength { throw ConversionError("an operation argument is out of the client's bounds") }
        }
        guard timestamp.commitment == block.header.merkleRoot else {
            throw ConversionError("the operations do not reach the block's Merkle root: the bundle does not verify")
        }
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
