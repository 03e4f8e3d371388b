/// Bytes or JSON that do not describe a reading in the expected form.
/// The message names the field but never quotes a value.
public struct ReadingDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
