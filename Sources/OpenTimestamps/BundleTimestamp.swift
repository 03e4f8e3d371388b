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

/// A detached OpenTimestamps proof (a `.ots` file, python-opentimestamps
/// `DetachedTimestampFile`) of one linear path: the file's SHA-256, the
/// operations from it to a block's Merkle root, and a Bitcoin block header
/// attestation at that block's height.
///
/// The stock client (`ots verify -f FILE FILE.ots`, opentimestamps-client
/// 0.7.2) replays the operations from SHA-256(FILE) and compares the result
/// with the Merkle root of the block its node has at `height`.
public struct DetachedTimestamp: Sendable, Equatable {
    /// `HEADER_MAGIC` of a detached timestamp file.
    public static let magic: [UInt8] = [0x00] + Array("OpenTimestamps".utf8) + [0x00, 0x00] + Array("Proof".utf8)
        + [0x00, 0xbf, 0x89, 0xe2, 0xe8, 0x84, 0xe8, 0x92, 0x94]
    public static let majorVersion: UInt64 = 1
    /// `BitcoinBlockHeaderAttestation.TAG`.
    public static let bitcoinAttestationTag: [UInt8] = [0x05, 0x88, 0x96, 0x0d, 0x73, 0xd7, 0x19, 0x01]

    /// SHA-256 of the timestamped file.
    public let fileDigest: [UInt8]
    public let operations: [TimestampOperation]
    /// The block whose header's Merkle root the operations reach.
    public let blockHeight: UInt64

    public init(fileDigest: [UInt8], operations: [TimestampOperation], blockHeight: UInt64) {
        precondition(fileDigest.count == 32, "a SHA-256 file digest is 32 bytes")
        self.fileDigest = fileDigest
        self.operations = operations
        self.blockHeight = blockHeight
    }

    /// What the operations make of the file digest: the value the attestation
    /// claims is the block's Merkle root (internal byte order).
    public var commitment: [UInt8] { operations.reduce(fileDigest) { $1.apply($0) } }

    /// The `.ots` file: magic, major version, the file hash operation and
    /// digest, then the timestamp (`Timestamp.serialize`): for a linear path,
    /// each operation followed by the rest, ending in `0x00` and the
    /// attestation (its tag, then its payload, the varuint height, as varbytes).
    public var bytes: [UInt8] {
        var out = Self.magic
        OTSVarint.append(Self.majorVersion, to: &out)
        TimestampOperation.sha256.serialize(into: &out)
        out += fileDigest
        for op in operations { op.serialize(into: &out) }
        out.append(0x00)
        out += Self.bitcoinAttestationTag
        var payload: [UInt8] = []
        OTSVarint.append(blockHeight, to: &payload)
        OTSVarint.appendBytes(payload, to: &out)
        return out
    }
}

/// An OpenTimestamps operation (python-opentimestamps `core/op.py`): each
/// takes the message so far and gives the next. Only the three a Vitalgate
/// proof needs are here.
public enum TimestampOperation: Sendable, Equatable {
    /// `OpSHA256`, tag 0x08.
    case sha256
    /// `OpAppend`, tag 0xf0: message || argument.
    case append([UInt8])
    /// `OpPrepend`, tag 0xf1: argument || message.
    case prepend([UInt8])

    /// The client refuses arguments and results longer than this (`MAX_RESULT_LENGTH`),
    /// and binary operations with an empty argument.
    public static let maxLength = 4096

    public var tag: UInt8 {
        switch self {
        case .sha256: 0x08
        case .append: 0xf0
        case .prepend: 0xf1
        }
    }

    public func apply(_ message: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: SHA256.hash(message).bytes
        case .append(let a): message + a
        case .prepend(let p): p + message
        }
    }

    /// Tag, then for a binary operation its argument as varbytes.
    func serialize(into out: inout [UInt8]) {
        out.append(tag)
        switch self {
        case .sha256: break
        case .append(let a), .prepend(let a): OTSVarint.appendBytes(a, to: &out)
        }
    }
}

/// The client's integers: unsigned LEB128 (`write_varuint`); byte strings
/// are a varuint length then the bytes (`write_varbytes`).
enum OTSVarint {
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        repeat {
            var byte = UInt8(v & 0x7f)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
    }

    static func appendBytes(_ bytes: [UInt8], to out: inout [UInt8]) {
        append(UInt64(bytes.count), to: &out)
        out += bytes
    }
}
