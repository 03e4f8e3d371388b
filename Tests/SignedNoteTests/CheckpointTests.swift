import Codecs
import JSON
import SignedNote
import Testing

@Suite struct CheckpointTests {
    @Test func specExampleParsesAndRoundTrips() throws {
        let note = try SignedNote(parsing: Vectors.sofaCheckpoint)
        let checkpoint = try Checkpoint(body: note.text)
        #expect(checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.size == 20_852_163)
        #expect(Base64.encode(checkpoint.rootHash) == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
        #expect(checkpoint.extensions.isEmpty)
        #expect(checkpoint.body == note.text)
        #expect(note.signatures[0].name == checkpoint.origin)
        #expect(note.serialized == Vectors.sofaCheckpoint)
    }

    @Test func bodyLayoutWithExtensions() throws {
        let root = (0..<32).map { UInt8($0) }
        let checkpoint = Checkpoint(origin: "vitalgate.example/gw-1", size: 0, rootHash: root, extensions: ["ext one", "x"])
        let expected = "vitalgate.example/gw-1\n0\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\next one\nx\n"
        #expect(checkpoint.body == expected)
        #expect(try Checkpoint(body: expected) == checkpoint)
        #expect(try Checkpoint(body: "o\n18446744073709551615\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n").size == UInt64.max)
    }

    static let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="

    @Test(arguments: [
        ("o\n017\n\(root)\n", CheckpointProblem.invalidSize),
        ("o\n+17\n\(root)\n", .invalidSize),
        ("o\n-1\n\(root)\n", .invalidSize),
        ("o\n 17\n\(root)\n", .invalidSize),
        ("o\n1e3\n\(root)\n", .invalidSize),
        ("o\n18446744073709551616\n\(root)\n", .invalidSize),
        ("o\n00\n\(root)\n", .invalidSize),
        ("o\n17\n\(root.dropLast())\n", .invalidRootHash),
        ("o\n17\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", .invalidRootHash),
        ("o\n17\nAAAA\n", .invalidRootHash),
        ("o\n17\n\(root)", .missingFinalNewline),
        ("o\n17\n", .tooFewLines),
        ("\n17\n\(root)\n", .emptyLine),
        ("o\n17\n\(root)\n\n", .emptyLine),
        ("o\n17\n\(root)\next\n\nmore\n", .emptyLine),
        ("o\r\n17\n\(root)\n", .controlCharacter),
    ])
    func rejectsMalformedBodies(body: String, kind: CheckpointProblem) {
        do {
            _ = try Checkpoint(body: body)
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.kind == kind, "\(error)")
        }
    }
}
