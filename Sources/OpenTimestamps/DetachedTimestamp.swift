import SHA2

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
