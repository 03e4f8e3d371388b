/// A transaction input (Bitcoin Core primitives/transaction.h `CTxIn`).
public struct TxIn: Sendable, Equatable {
    /// The spent transaction's txid, internal byte order (all zero for a coinbase).
    public let previousTxid: [UInt8]
    /// The spent output's index (0xffffffff for a coinbase).
    public let previousIndex: UInt32
    public let scriptSig: [UInt8]
    public let sequence: UInt32
    /// The BIP 141 witness stack; empty for legacy inputs.
    public internal(set) var witness: [[UInt8]]

    init(reading reader: inout ByteReader) throws(WireError) {
        previousTxid = try reader.read(32, "input previous txid")
        previousIndex = try reader.readUInt32("input previous index")
        scriptSig = try reader.readVarBytes("input scriptSig")
        sequence = try reader.readUInt32("input sequence")
        witness = []
    }
}

/// A transaction output (`CTxOut`).
public struct TxOut: Sendable, Equatable {
    /// Amount in the smallest unit (satoshi / litoshi).
    public let value: Int64
    public let scriptPubKey: [UInt8]

    init(reading reader: inout ByteReader) throws(WireError) {
        value = Int64(bitPattern: try reader.readLittleEndian(8, "output value"))
        scriptPubKey = try reader.readVarBytes("output scriptPubKey")
    }
}
