/// Key names (C2SP signed-note, "Format"): "Key names MUST be non-empty
/// and MUST NOT contain any Unicode spaces or plus (U+002B) characters."
public enum NoteKeyName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { !$0.properties.isWhitespace && $0 != "+" && $0.value >= 0x20 }
    }
}
