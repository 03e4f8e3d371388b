/// A value SQLite stores: its five fundamental datatypes
/// (https://www.sqlite.org/datatype3.html, section 1).
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLiteValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension SQLiteValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension SQLiteValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .real(value) }
}

extension SQLiteValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLiteValue: ExpressibleByBooleanLiteral {
    /// SQLite has no boolean type; booleans are the integers 0 and 1.
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

extension SQLiteValue {
    /// An integer column value from a Swift `Int`.
    public init(_ value: Int) { self = .integer(Int64(value)) }
    /// `.text`, or `.null` for `nil`.
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    /// `.blob`, or `.null` for `nil`.
    public init(_ value: [UInt8]?) { self = value.map { .blob($0) } ?? .null }
}
