import JSON
import Testing
import Vitals

@Suite struct AcknowledgementBytesTests {
    @Test(arguments: [
        Acknowledgement(boot: 3, seqs: [5, 1, 2, 3, 3, 7, 6, 10], rejected: [(7, "out_of_range")]),
        Acknowledgement(boot: UInt32.max, seqs: [0, UInt64(Reading.maxSeq)]),
        Acknowledgement(boot: 0, seqs: []),
    ])
    func writesTheSameBytesAsTheJSONTree(_ ack: Acknowledgement) {
        #expect(ack.utf8 == ack.json.serializedUTF8(pretty: false))
    }

    @Test func escapesReasonsThatNeedIt() throws {
        let ack = Acknowledgement(boot: 1, seqs: [4], rejected: [(4, "quote \" backslash \\ newline \n tab \t")])
        #expect(try Acknowledgement(json: try JSONParser.parse(ack.utf8)) == ack)
    }
}
