/// A holder of secret bytes that never shows them: `print`, interpolation,
/// `dump()` and debuggers see its type's name and `<redacted>`, and at
/// most what a type adds that is not secret (a public key).
public protocol Redacted: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {}

extension Redacted {
    public var description: String { "\(Self.self)(<redacted>)" }
    public var debugDescription: String { description }
    /// No children, so `dump()` and debuggers cannot show the secret.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
