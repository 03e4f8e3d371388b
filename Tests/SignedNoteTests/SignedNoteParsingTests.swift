import Codecs
import Foundation
import JSON
import SignedNote
import Testing

@Suite struct SignedNoteParsingTests {
    @Test func parsesTwoSignaturesAndRoundTrips() throws {
        let serialized = Vectors.text + "\n" + Vectors.peterLine + Vectors.enochLine
        let note = try SignedNote(parsing: serialized)
        #expect(note.text == Vectors.text)
        #expect(note.signatures.map(\.name) == ["PeterNeumann", "EnochRoot"])
        #expect(Hex.encode(note.signatures[0].keyID) == "c74f20a3")
        #expect(note.signatures[0].keyIDValue == 0xc74f20a3)
        #expect(note.signatures[1].keyIDValue == 0xaf0cfe78)
        #expect(note.signatures[0].signature == Vectors.peterSignature)
        #expect(note.serialized == serialized)
        #expect(try SignedNote(parsing: Array(serialized.utf8)) == note)
    }

    /// TestSign's expected output, reproduced by supplying the published signature bytes.
    @Test func signProducesTheGoOutput() throws {
        var signedMessage: [UInt8] = []
        let note = SignedNote.sign(text: Vectors.text, name: "PeterNeumann",
                                   keyID: Ed25519NoteKey.keyID(name: "PeterNeumann", publicKey: Vectors.peterPublicKey)) { message in
            signedMessage = message
            return Vectors.peterSignature
        }
        #expect(signedMessage == Array(Vectors.text.utf8))
        #expect(note.serialized == Vectors.text + "\n" + Vectors.peterLine)
    }

    @Test func textMayContainBlankLinesTheLastOneSeparates() throws {
        let note = try SignedNote(parsing: Vectors.quasimodo)
        #expect(note.text == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n")
        #expect(note.signatures.count == 1)
        #expect(note.signatures[0].name == "quasimodo.example/salvatore")
        #expect(note.signatures[0].signature.count == 64)
        #expect(note.serialized == Vectors.quasimodo)
    }

    /// Text, blank line, then `lines`.
    static func note(_ lines: String) -> String { Vectors.text + "\n" + lines }

    /// Peter's line with `old` replaced by `new`.
    static func peter(_ old: String, _ new: String) -> String { Vectors.peterLine.replacingOccurrences(of: old, with: new) }

    /// Malformed notes (TestOpen's badMsgs plus format rules of c2sp.org/signed-note).
    static let malformed: [(String, NoteProblem)] = {
        var rows: [(String, NoteProblem)] = []
        rows.append((Vectors.text, .missingBlankLine))
        rows.append((note(""), .noSignatures))
        rows.append((note(String(Vectors.peterLine.dropLast())), .missingFinalNewline))
        rows.append(("\u{01}" + note(Vectors.peterLine), .controlCharacter))
        rows.append((Vectors.text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n" + Vectors.peterLine, .controlCharacter))
        rows.append((note(peter("PeterNeumann", "Bad Name")), .invalidKeyName))
        rows.append((note(Vectors.peterLine + "Unexpected line.\n"), .malformedSignatureLine))
        rows.append((note(peter("\u{2014}", "-")), .malformedSignatureLine))          // hyphen-minus
        rows.append((note(peter("\u{2014}", "\u{2013}")), .malformedSignatureLine))   // en dash
        rows.append((note(peter("\u{2014} ", "\u{2014}")), .malformedSignatureLine))  // no space after the dash
        rows.append((note(peter("x08go", "x08g!")), .invalidBase64))
        rows.append((note(peter("AM=", "AM")), .invalidBase64))                      // padding missing
        rows.append((note(peter("AM=", "AN=")), .invalidBase64))                     // nonzero pad bits
        rows.append((note(peter("PeterNeumann ", "PeterNeumann  ")), .invalidKeyName))
        rows.append((note("\u{2014} PeterNeumann AAAAAA==\n"), .signatureTooShort))
        rows.append((note("\u{2014} Peter+Neumann AAAAAAAA\n"), .invalidKeyName))
        rows.append(("\n\n" + Vectors.peterLine, .emptyText))
        rows.append((note(String(repeating: Vectors.peterLine, count: 101)), .tooManySignatures))
        return rows
    }()

    @Test(arguments: malformed.indices)
    func rejectsMalformed(row: Int) {
        let (text, kind) = Self.malformed[row]
        do {
            _ = try SignedNote(parsing: text)
            Issue.record("accepted row \(row)")
        } catch {
            #expect(error.kind == kind, "row \(row): \(error)")
        }
    }

    @Test func acceptsSixteenSignatures() throws {
        let note = try SignedNote(parsing: Vectors.text + "\n" + String(repeating: Vectors.peterLine, count: 16))
        #expect(note.signatures.count == 16)
    }

    @Test func rejectsInvalidUTF8Bytes() {
        let bytes = Array(Vectors.text.utf8) + [0xFF, 0x0A, 0x0A] + Array(Vectors.peterLine.utf8)
        #expect(throws: NoteParseError(.notUTF8)) { try SignedNote(parsing: bytes) }
    }

    @Test func errorsNameTheLine() {
        let note = Vectors.text + "\n" + Vectors.peterLine + "Unexpected line.\n"
        #expect(throws: NoteParseError(.malformedSignatureLine, line: 5)) { try SignedNote(parsing: note) }
    }
}
