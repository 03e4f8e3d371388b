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

extension SignedNote {
    /// Parses a note strictly per c2sp.org/signed-note, "Format": the text
    /// ends at the *last* blank line; every line after it is a signature
    /// line `— <name> <base64>` ending in a newline; nothing else follows.
    public init(parsing note: String) throws(NoteParseError) {
        let bytes = Array(note.utf8)
        if let bad = bytes.firstIndex(where: { $0 < 0x20 && $0 != 0x0A }) {
            throw NoteParseError(.controlCharacter, line: Self.lineNumber(of: bad, in: bytes))
        }
        guard bytes.last == 0x0A else { throw NoteParseError(.missingFinalNewline) }
        // The separator is the last "\n\n": the text keeps the first newline.
        guard let split = Self.lastBlankLine(in: bytes) else { throw NoteParseError(.missingBlankLine) }
        let textBytes = bytes[...split]
        guard textBytes.count > 1 else { throw NoteParseError(.emptyText) }
        let firstSignatureLine = Self.lineNumber(of: split + 2, in: bytes)
        let lines = bytes[(split + 2)...].dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
        guard !(lines.count == 1 && lines[0].isEmpty) else { throw NoteParseError(.noSignatures) }
        guard lines.count <= Self.maxSignatures else { throw NoteParseError(.tooManySignatures) }
        var signatures: [NoteSignature] = []
        for (i, line) in lines.enumerated() {
            signatures.append(try Self.parseSignatureLine(Array(line), line: firstSignatureLine + i))
        }
        self.init(text: String(decoding: textBytes, as: UTF8.self), signatures: signatures)
    }

    /// Parses a note from bytes, rejecting ill-formed UTF-8 first.
    public init(parsing bytes: [UInt8]) throws(NoteParseError) {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw NoteParseError(.notUTF8) }
        try self.init(parsing: text)
    }

    /// "— " is U+2014 EM DASH (E2 80 94 in UTF-8) and U+0020.
    static let signaturePrefix: [UInt8] = [0xE2, 0x80, 0x94, 0x20]

    static func parseSignatureLine(_ line: [UInt8], line number: Int) throws(NoteParseError) -> NoteSignature {
        guard line.starts(with: signaturePrefix) else { throw NoteParseError(.malformedSignatureLine, line: number) }
        let rest = line[signaturePrefix.count...]
        guard let space = rest.lastIndex(of: 0x20) else { throw NoteParseError(.malformedSignatureLine, line: number) }
        let name = String(decoding: rest[..<space], as: UTF8.self)
        guard NoteKeyName.isValid(name) else { throw NoteParseError(.invalidKeyName, line: number) }
        guard let blob = Base64.decode(String(decoding: rest[(space + 1)...], as: UTF8.self)) else {
            throw NoteParseError(.invalidBase64, line: number)
        }
        guard blob.count >= 5 else { throw NoteParseError(.signatureTooShort, line: number) }
        return NoteSignature(name: name, keyID: Array(blob[..<4]), signature: Array(blob[4...]))
    }

    /// Index of the first newline of the last "\n\n" pair.
    static func lastBlankLine(in bytes: [UInt8]) -> Int? {
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0A, bytes[i + 1] == 0x0A { return i }
            i -= 1
        }
        return nil
    }

    static func lineNumber(of index: Int, in bytes: [UInt8]) -> Int {
        1 + bytes[..<index].count { $0 == 0x0A }
    }
}

extension SignedNote {
    /// Checks that the note carries a valid Ed25519 signature by the key
    /// `name` / `publicKey`. Signature lines are matched on both key name and
    /// key ID, as the spec requires; lines from other keys are ignored.
    /// Every matching line must verify ("If a signature from a known key
    /// fails to verify, clients SHOULD reject the whole note").
    ///
    /// - Parameter isValid: verifies an Ed25519 signature (message, signature)
    ///   under `publicKey`; the caller supplies it (the Sodium adapter).
    public func verify(name: String, publicKey: [UInt8], isValid: ([UInt8], [UInt8]) -> Bool) throws(NoteVerificationError) {
        guard publicKey.count == 32 else { throw NoteVerificationError(.wrongKeyLength, name: name) }
        let id = Ed25519NoteKey.keyID(name: name, publicKey: publicKey)
        let matching = signatures.filter { $0.name == name && $0.keyID == id }
        guard !matching.isEmpty else { throw NoteVerificationError(.noSignatureFromKey, name: name) }
        let message = Array(text.utf8)
        for signature in matching where !isValid(message, signature.signature) {
            throw NoteVerificationError(.invalidSignature, name: name)
        }
    }
}

/// One signature line of a signed note (C2SP signed-note, "Signatures"):
/// `— <name> base64(keyID || signature)`.
public struct NoteSignature: Sendable, Equatable {
    /// The key name: non-empty, no Unicode spaces, no `+`.
    public let name: String
    /// The 4-byte key ID, big-endian as on the wire.
    public let keyID: [UInt8]
    /// The signature bytes for the key's algorithm (64 for Ed25519).
    public let signature: [UInt8]

    /// Preconditions: `name` is a valid key name (`NoteKeyName.isValid`),
    /// `keyID` has 4 bytes and `signature` at least 1.
    public init(name: String, keyID: [UInt8], signature: [UInt8]) {
        precondition(NoteKeyName.isValid(name), "invalid note key name")
        precondition(keyID.count == 4, "a note key ID has 4 bytes")
        precondition(!signature.isEmpty, "empty signature")
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// The key ID as the big-endian integer that verifier keys print in hex.
    public var keyIDValue: UInt32 {
        keyID.reduce(0) { $0 << 8 | UInt32($1) }
    }
}

/// Key names (C2SP signed-note, "Format"): "Key names MUST be non-empty
/// and MUST NOT contain any Unicode spaces or plus (U+002B) characters."
public enum NoteKeyName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { !$0.properties.isWhitespace && $0 != "+" && $0.value >= 0x20 }
    }
}

/// Why a text was not accepted as a signed note or a checkpoint: what was
/// wrong and, when it is on one line, which. One shape for both parsers;
/// each names its own problems (`NoteProblem`, `CheckpointProblem`).
public struct ParseError<Kind: ParseProblem>: Error, Equatable, Sendable, CustomStringConvertible {
    public let kind: Kind
    /// The 1-based line where the problem is, when there is one.
    public let line: Int?

    public init(_ kind: Kind, line: Int? = nil) {
        self.kind = kind
        self.line = line
    }

    public var description: String {
        "malformed \(Kind.subject)\(line.map { " (line \($0))" } ?? ""): \(kind.rawValue)"
    }
}

/// The problems one parser names, each with its message.
public protocol ParseProblem: RawRepresentable<String>, Sendable, Equatable {
    /// What was being parsed ("signed note", "checkpoint").
    static var subject: String { get }
}

/// Why a signed note's text was not accepted.
public typealias NoteParseError = ParseError<NoteProblem>

public enum NoteProblem: String, ParseProblem {
    public static let subject = "signed note"
    // Table-like data (duplicates): each problem's message, as `ParseError` prints it: raw values, not logic.
    case notUTF8 = "the note is not valid UTF-8"
    case controlCharacter = "the note contains a control character other than newline"
    case missingFinalNewline = "the note does not end with a newline"
    case missingBlankLine = "no blank line separates the text from the signatures"
    case emptyText = "the note text is empty"
    case noSignatures = "the note has no signature lines"
    case tooManySignatures = "the note has more than 100 signature lines"
    case malformedSignatureLine = "a signature line is not \"— <key name> <base64>\" (em dash U+2014, space)"
    case invalidKeyName = "a key name is empty or contains a space or +"
    case invalidBase64 = "a signature is not canonical standard base64 (RFC 4648 section 4)"
    case signatureTooShort = "a signature is shorter than a 4-byte key ID plus one byte"
}

/// Why `SignedNote.verify` did not accept a note.
public struct NoteVerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case wrongKeyLength = "the public key is not 32 bytes"
        case noSignatureFromKey = "the note has no signature line with this key's name and key ID"
        case invalidSignature = "a signature from this key does not verify"
    }

    public let kind: Kind
    /// The key name that was looked for.
    public let name: String

    public init(_ kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    public var description: String { "signed note not verified for key \(name): \(kind.rawValue)" }
}
