/// The size of an anchor transaction spending P2WPKH coins: `inputs` P2WPKH
/// inputs, one `OP_RETURN <payload>` output and `changeOutputs` P2WPKH outputs.
///
/// Counted from the wire format (primitives/transaction.h) so a fee can be
/// fixed before signing: version 4, input and output counts 1 each (below
/// 253), an input 41 stripped bytes (outpoint 36, empty scriptSig length 1,
/// sequence 4), an output 8 + script length + script, lock time 4; the
/// segwit marker and flag weigh 2; each P2WPKH witness is a 2-item count, a
/// DER signature with its sighash byte of at most 72 bytes and a 33-byte
/// compressed key, each with a length byte. The signature is taken at 72
/// bytes, so this is an upper bound (measured: 173 vB for 1 input, 1 change
/// output and the 52-byte VGT1 payload, the same as the bound).
public enum AnchorTransactionSize {
    /// Weight units, upper bound.
    /// - Precondition: `payloadBytes <= 75` (one direct push, the VGT1 payload is 52);
    ///   fewer than 253 inputs and outputs.
    public static func weight(inputs: Int = 1, changeOutputs: Int = 1, payloadBytes: Int = AnchorPayload.byteCount) -> Int {
        precondition(payloadBytes <= 75, "one direct push holds at most 75 bytes")
        precondition(inputs >= 1 && inputs < 253 && changeOutputs >= 0 && changeOutputs < 252)
        let opReturnScript = 1 + 1 + payloadBytes          // OP_RETURN, push opcode, data
        let p2wpkhScript = 22                               // OP_0 <20-byte key hash>
        var stripped = 4 + 1 + 1 + 4                        // version, input count, output count, lock time
        stripped += inputs * (32 + 4 + 1 + 4)
        stripped += 8 + 1 + opReturnScript
        stripped += changeOutputs * (8 + 1 + p2wpkhScript)
        let witness = 2 + inputs * (1 + (1 + 72) + (1 + 33))
        return 4 * stripped + witness
    }

    /// Virtual bytes (weight / 4, rounded up), upper bound.
    public static func virtualBytes(inputs: Int = 1, changeOutputs: Int = 1, payloadBytes: Int = AnchorPayload.byteCount) -> Int {
        (weight(inputs: inputs, changeOutputs: changeOutputs, payloadBytes: payloadBytes) + 3) / 4
    }
}
