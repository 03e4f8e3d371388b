import Codecs
import JSON

/// What in the gateway's log vouches for a Bundle's readings: their leaves,
/// the signed checkpoint that includes them and, once there is one, the
/// anchor transaction of that checkpoint (docs/fhir.md, "Which checkpoint").
public struct DeliveryCoverage: Sendable, Equatable {
    public struct Leaf: Sendable, Equatable {
        public let index: UInt64
        /// RFC 9162 leaf hash of the reading's canonical encoding.
        public let hash: [UInt8]
        public init(index: UInt64, hash: [UInt8]) {
            self.index = index
            self.hash = hash
        }
    }

    public struct Anchor: Sendable, Equatable {
        public let txid: String
        public let blockHeight: Int64?
        public let blockHash: String?
        public init(txid: String, blockHeight: Int64?, blockHash: String?) {
            self.txid = txid
            self.blockHeight = blockHeight
            self.blockHash = blockHash
        }
    }

    public let checkpointSize: UInt64
    public let checkpointRoot: [UInt8]
    public let anchor: Anchor?
    public let leaves: [Leaf]

    /// Precondition: every leaf index is below `checkpointSize`.
    public init(checkpointSize: UInt64, checkpointRoot: [UInt8], anchor: Anchor?, leaves: [Leaf]) {
        precondition(leaves.allSatisfy { $0.index < checkpointSize }, "a leaf lies outside the checkpoint")
        self.checkpointSize = checkpointSize
        self.checkpointRoot = checkpointRoot
        self.anchor = anchor
        self.leaves = leaves
    }

    /// The Provenance entities, in the order they are listed and signed.
    func entities(gatewayID: String) -> [(SystemValue, display: String)] {
        var result: [(SystemValue, display: String)] = [
            (SystemValue(system: VitalgateSystem.checkpoint, value: "\(gatewayID)/\(checkpointSize)/\(Hex.encode(checkpointRoot))"),
             "signed checkpoint of log vitalgate/\(gatewayID) at tree size \(checkpointSize)"),
        ]
        if let anchor {
            result.append((SystemValue(system: VitalgateSystem.anchor, value: anchor.txid), "anchor transaction of that checkpoint"))
            if let height = anchor.blockHeight, let hash = anchor.blockHash {
                result.append((SystemValue(system: VitalgateSystem.anchorBlock, value: "\(height)/\(hash)"), "block holding the anchor"))
            }
        }
        for leaf in leaves {
            result.append((SystemValue(system: VitalgateSystem.leaf, value: "\(gatewayID)/\(leaf.index)/\(Hex.encode(leaf.hash))"),
                           "log leaf of a delivered reading"))
        }
        return result
    }
}
