/// A transaction in Bitcoin Core's wire format, legacy or BIP 144 segwit, as
/// `getrawtransaction` returns it.
public struct BitcoinTransaction: Sendable {
    public let version: Int32
    public let inputs: [TxIn]
    public let outputs: [TxOut]
    public let lockTime: UInt32
    /// True when the serialization carried a segwit marker and witness data.
    public let hasWitness: Bool
    /// The serialization without marker, flag and witnesses: what the txid commits to.
    /// The serialization without witness data (BIP 144): the bytes the txid
    /// is the double SHA-256 of, so every one of them is covered by it.
    public let strippedBytes: [UInt8]
    /// The serialization exactly as given.
    public let bytes: [UInt8]

    /// Parses one complete serialization; rejects trailing bytes.
    ///
    /// Follows primitives/transaction.h `UnserializeTransaction`: an empty
    /// input vector right after the version is the segwit marker (BIP 144),
    /// then a flag byte that must be 0x01 here. A witness section whose stacks
    /// are all empty is rejected as Core does ("Superfluous witness record").
    public init(parsing bytes: [UInt8]) throws(WireError) {
        self = try ByteReader.whole(bytes, "transaction", Self.init(reading:))
    }

    /// Reads one transaction at the reader's offset (inside a block).
    init(reading reader: inout ByteReader) throws(WireError) {
        let start = reader.offset
        version = Int32(bitPattern: try reader.readUInt32("version"))
        let afterVersion = reader.offset
        var inputs = try Self.readInputs(&reader)
        var witnessed = false
        var bodyStart = afterVersion
        if inputs.isEmpty {
            let flag = try reader.readByte("segwit flag")
            switch flag {
            case 0x01: break
            case 0x08: throw .mwebUnsupported
            case 0x00: throw .malformed("transaction has no inputs")
            default: throw .unsupportedSegwitFlag(flag)
            }
            witnessed = true
            bodyStart = reader.offset
            inputs = try Self.readInputs(&reader)
            guard !inputs.isEmpty else { throw .malformed("segwit transaction has no inputs") }
        }
        outputs = try Self.readOutputs(&reader)
        let bodyEnd = reader.offset
        if witnessed {
            for i in inputs.indices {
                let items = try reader.readCompactSize("witness item count")
                var stack: [[UInt8]] = []
                for _ in 0..<items { stack.append(try reader.readVarBytes("witness item")) }
                inputs[i].witness = stack
            }
            guard inputs.contains(where: { !$0.witness.isEmpty }) else {
                throw .malformed("segwit marker with only empty witnesses (superfluous witness record)")
            }
        }
        let lockTimeStart = reader.offset
        lockTime = try reader.readUInt32("lock time")
        self.inputs = inputs
        self.hasWitness = witnessed
        let bytes = reader.bytes
        self.bytes = Array(bytes[start..<reader.offset])
        strippedBytes = Array(bytes[start..<afterVersion]) + bytes[bodyStart..<bodyEnd] + bytes[lockTimeStart..<reader.offset]
    }

    private static func readInputs(_ reader: inout ByteReader) throws(WireError) -> [TxIn] {
        let count = try reader.readCompactSize("input count")
        var inputs: [TxIn] = []
        for _ in 0..<count { inputs.append(try TxIn(reading: &reader)) }
        return inputs
    }

    private static func readOutputs(_ reader: inout ByteReader) throws(WireError) -> [TxOut] {
        let count = try reader.readCompactSize("output count")
        var outputs: [TxOut] = []
        for _ in 0..<count { outputs.append(try TxOut(reading: &reader)) }
        return outputs
    }

    /// SHA256d of the non-witness serialization, internal byte order (BIP 141 `txid`).
    public var txid: [UInt8] { doubleSHA256(strippedBytes) }

    /// The txid as RPC shows it (byte-reversed hex).
    public var txidHex: String { displayHex(txid) }

    /// SHA256d of the full serialization (BIP 141 `wtxid`; RPC's `hash`); equals `txid` without witness.
    public var wtxid: [UInt8] { doubleSHA256(bytes) }

    /// The data of every output whose script is `OP_RETURN <one push>`, in output order.
    public var opReturnPayloads: [[UInt8]] { outputs.compactMap { Script.opReturnPayload($0.scriptPubKey) } }
}

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

extension TxIn {
    /// The spent transaction's id as RPCs print it (byte-reversed hex).
    public var previousTxidHex: String { displayHex(previousTxid) }
}

/// Transaction weight and virtual size (BIP 141 "Transaction size
/// calculations"): fees and the relay policy are counted in virtual bytes.
extension BitcoinTransaction {
    /// Weight units: the stripped serialization counts four times, witness
    /// data once, i.e. `3 * stripped + total`.
    public var weight: Int { 3 * strippedBytes.count + bytes.count }

    /// Virtual bytes: weight / 4, rounded up.
    public var virtualSize: Int { (weight + 3) / 4 }
}
