import Foundation
import JSON
import SignedNote
import Testing

/// `verify` with a stand-in for Ed25519 that accepts exactly the published
/// signature over the published text; the real check lives in the Sodium adapter's tests.
@Suite struct SignedNoteVerificationTests {
    static let note = try! SignedNote(parsing: Vectors.text + "\n" + Vectors.enochLine + Vectors.peterLine)

    static func acceptsPeter(_ message: [UInt8], _ signature: [UInt8]) -> Bool {
        message == Array(Vectors.text.utf8) && signature == Vectors.peterSignature
    }

    @Test func findsTheLineByNameAndKeyIDIgnoringOthers() throws {
        var calls = 0
        try Self.note.verify(name: "PeterNeumann", publicKey: Vectors.peterPublicKey) { message, signature in
            calls += 1
            return Self.acceptsPeter(message, signature)
        }
        #expect(calls == 1)
    }

    @Test func failsWhenTheSignatureDoesNotVerify() {
        #expect(throws: NoteVerificationError(.invalidSignature, name: "PeterNeumann")) {
            try Self.note.verify(name: "PeterNeumann", publicKey: Vectors.peterPublicKey) { _, _ in false }
        }
    }

    /// Same name with another key, or another name with the same key: no match (signed-note, "Signatures").
    @Test func nameAndKeyIDMustBothMatch() {
        #expect(throws: NoteVerificationError(.noSignatureFromKey, name: "PeterNeumann")) {
            try Self.note.verify(name: "PeterNeumann", publicKey: Vectors.enochPublicKey, isValid: Self.acceptsPeter)
        }
        #expect(throws: NoteVerificationError(.noSignatureFromKey, name: "PeterNeuman")) {
            try Self.note.verify(name: "PeterNeuman", publicKey: Vectors.peterPublicKey, isValid: Self.acceptsPeter)
        }
        #expect(throws: NoteVerificationError(.wrongKeyLength, name: "PeterNeumann")) {
            try Self.note.verify(name: "PeterNeumann", publicKey: Array(Vectors.peterPublicKey.dropLast()), isValid: Self.acceptsPeter)
        }
    }

    @Test func everyMatchingLineMustVerify() throws {
        let corrupted = Vectors.peterLine.replacingOccurrences(of: "ZJku", with: "ZJkv")
        let note = try SignedNote(parsing: Vectors.text + "\n" + Vectors.peterLine + corrupted)
        #expect(throws: NoteVerificationError(.invalidSignature, name: "PeterNeumann")) {
            try note.verify(name: "PeterNeumann", publicKey: Vectors.peterPublicKey, isValid: Self.acceptsPeter)
        }
    }
}
