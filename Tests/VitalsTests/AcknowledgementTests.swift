import JSON
import Testing
import Vitals

@Suite struct AcknowledgementTests {
    @Test func compressesSeqsIntoRanges() {
        let ack = Acknowledgement(boot: 3, seqs: [5, 1, 2, 3, 3, 7, 6, 10], rejected: [(7, "out_of_range")])
        #expect(ack.acked == [1...3, 5...7, 10...10])
        #expect(ack.json.serialized() == #"{"boot":3,"acked":[[1,3],[5,7],[10,10]],"rejected":[[7,"out_of_range"]]}"#)
        #expect(ack.contains(6) && !ack.contains(4) && !ack.contains(11))
    }

    @Test func roundTripsThroughJSON() throws {
        let ack = Acknowledgement(boot: 0, seqs: Array(0...99) + [UInt64(Reading.maxSeq)])
        #expect(try Acknowledgement(json: try JSONParser.parse(ack.json.serialized())) == ack)
    }

    @Test(arguments: [#"{"acked":[]}"#, #"{"boot":-1,"acked":[]}"#, #"{"boot":1,"acked":[[3,2]]}"#, #"{"boot":1,"acked":[[1]]}"#,
                      #"{"boot":1,"acked":[],"rejected":[[1]]}"#])
    func rejectsMalformed(_ text: String) throws {
        #expect(throws: Acknowledgement.FormatError.self) { try Acknowledgement(json: try JSONParser.parse(text)) }
    }
}
