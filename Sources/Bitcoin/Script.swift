/// The few script forms this package reads (Bitcoin Core script/script.h opcodes).
enum Script {
    static let opReturn: UInt8 = 0x6a
    static let opPushData1: UInt8 = 0x4c
    static let opPushData2: UInt8 = 0x4d

    /// The data of `OP_RETURN <push>` when the push is a single direct push
    /// (opcodes 0x00-0x4b), OP_PUSHDATA1 or OP_PUSHDATA2 that ends the script
    /// exactly; nil for every other script (including OP_RETURN with several
    /// pushes, which anchors never use).
    static func opReturnPayload(_ script: [UInt8]) -> [UInt8]? {
        guard script.first == opReturn, script.count >= 2 else { return nil }
        let opcode = script[1]
        let length: Int
        let start: Int
        switch opcode {
        case 0x00...0x4b:
            length = Int(opcode); start = 2
        case opPushData1:
            guard script.count >= 3 else { return nil }
            length = Int(script[2]); start = 3
        case opPushData2:
            guard script.count >= 4 else { return nil }
            length = Int(script[2]) | Int(script[3]) << 8; start = 4
        default:
            return nil
        }
        guard script.count == start + length else { return nil }
        return Array(script[start...])
    }
}
