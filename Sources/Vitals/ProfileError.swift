/// A device profile file that cannot be used, naming the field to fix.
public struct ProfileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Path of the offending field, e.g. `metrics[1].loinc`, or `document`.
    public let field: String
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "device profile field \(field): \(problem)" }
}
