/// A transaction output: `txid` in display (RPC) byte order and its index.
public struct OutPoint: Sendable, Hashable, CustomStringConvertible {
    public let txid: String
    public let vout: UInt32

    public init(txid: String, vout: UInt32) {
        self.txid = txid.lowercased()
        self.vout = vout
    }

    public var description: String { "\(txid):\(vout)" }
}
