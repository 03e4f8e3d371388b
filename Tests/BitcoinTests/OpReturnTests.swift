import Bitcoin
import Testing

/// OP_RETURN outputs built by hand around a legacy one-input transaction shell.
@Suite struct OpReturnTests {
    /// version 1, one coinbase-style input, the given output scripts, lock time 0.
    private func transaction(outputScripts: [[UInt8]]) -> [UInt8] {
        var tx: [UInt8] = [1, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 32) + [0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0xff]
        tx.append(UInt8(outputScripts.count))
        for script in outputScripts {
            tx += [UInt8](repeating: 0, count: 8)
            precondition(script.count < 0xfd)
            tx.append(UInt8(script.count))
            tx += script
        }
        return tx + [0, 0, 0, 0]
    }

    @Test func directPushData1AndPushData2() throws {
        let data = (0..<52).map { UInt8($0) }
        let tx = try BitcoinTransaction(parsing: transaction(outputScripts: [
            [0x6a, 52] + data,
            [0x6a, 0x4c, 52] + data,
            [0x6a, 0x4d, 52, 0] + data,
        ]))
        #expect(tx.opReturnPayloads == [data, data, data])
    }

    @Test func otherScriptsCarryNoPayload() throws {
        let tx = try BitcoinTransaction(parsing: transaction(outputScripts: [
            [0x6a],                         // bare OP_RETURN
            [0x6a, 2, 1, 2, 1, 9],          // two pushes
            [0x6a, 3, 1, 2],                // push runs past the script
            [0x76, 0xa9, 1, 0],             // not OP_RETURN
            [0x6a, 0x4e, 1, 0, 0, 0, 7],    // OP_PUSHDATA4 is not an anchor form
        ]))
        #expect(tx.opReturnPayloads.isEmpty)
    }
}
