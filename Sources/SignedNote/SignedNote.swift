import Codecs
import JSON

/// A signed note (c2sp.org/signed-note): a text ending in a newline, a
/// blank line, then one or more signature lines.
public struct SignedNote: Sendable, Equatable {
    /// The signed text, including its final newline but not the blank line.
    public let text: String
    public let signatures: [NoteSignature]

    /// The most signature lines accepted. The spec requires accepting at
    /// least 16; golang.org/x/mod/sumdb/note caps at 100.
    public static let maxSignatures = 100

    /// Preconditions: `text` is a valid note text (`isValidText`) and
    /// `signatures` is not empty.
    public init(text: String, signatures: [NoteSignature]) {
        precondition(Self.isValidText(text), "invalid note text")
        precondition(!signatures.isEmpty, "a signed note needs a signature")
        self.text = text
        self.signatures = signatures
    }

    /// The note as transmitted: text, blank line, one line per signature.
    public var serialized: String {
        var out = text
        out += "\n"
        for signature in signatures {
            out += "\u{2014} \(signature.name) \(Base64.encode(signature.keyID + signature.signature))\n"
        }
        return out
    }

    /// Signs `text` once with `sign` (which receives the text's UTF-8 bytes)
    /// and returns the note. Preconditions: `isValidText(text)`, `name` a
    /// valid key name, `keyID` 4 bytes.
    public static func sign(text: String, name: String, keyID: [UInt8], sign: ([UInt8]) throws -> [UInt8]) rethrows -> SignedNote {
        precondition(isValidText(text), "invalid note text")
        let signature = try sign(Array(text.utf8))
        return SignedNote(text: text, signatures: [NoteSignature(name: name, keyID: keyID, signature: signature)])
    }

    /// A note text is non-empty, ends in a newline, and has no control
    /// characters other than newline (signed-note, "Format").
    public static func isValidText(_ text: String) -> Bool {
        text.utf8.last == 0x0A && !text.utf8.contains { $0 < 0x20 && $0 != 0x0A }
    }
}
