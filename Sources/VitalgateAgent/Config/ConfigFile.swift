/// The gateway's config file: `key = value` lines; `#` starts a comment
/// (whole-line or after the value); blank lines are ignored. Values may be
/// double-quoted to keep a `#`. Deliberately tiny: an IT lead edits it by hand.
public struct ConfigFile: Sendable, Equatable {
    public private(set) var values: [String: String] = [:]
    /// The line each key is set on, for messages that say where to fix it.
    private var lines: [String: Int] = [:]
    /// The file it was read from, when it was.
    public private(set) var path: String?

    public struct ParseError: Error, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var path: String? = nil
        public var description: String { "\(path ?? "config") line \(line): \(message)" }
    }

    public init(values: [String: String] = [:]) { self.values = values }

    public init(parsing text: String, path: String? = nil) throws {
        self.path = path
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.first == "#" { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw ParseError(line: number + 1, message: "expected `key = value`", path: path)
            }
            let key = line[..<eq].trimmingSpaces()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ParseError(line: number + 1, message: "bad key `\(key)`", path: path)
            }
            var value = line[line.index(after: eq)...].trimmingSpaces()
            if value.first == "\"" {
                guard let close = value.dropFirst().firstIndex(of: "\"") else {
                    throw ParseError(line: number + 1, message: "unterminated quote", path: path)
                }
                value = String(value[value.index(after: value.startIndex)..<close])
            } else if let hash = value.firstIndex(of: "#") {
                value = String(value[..<hash]).trimmingSpaces()
            }
            guard values[key] == nil else {
                throw ParseError(line: number + 1, message: "`\(key)` is set twice", path: path)
            }
            values[key] = value
            lines[key] = number + 1
        }
    }

    public subscript(key: String) -> String? { values[key] }

    /// The keys set, in the order of their lines.
    public var keys: [String] { values.keys.sorted { lines[$0, default: 0] < lines[$1, default: 0] } }

    public func line(of key: String) -> Int? { lines[key] }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
