#if canImport(Glibc)
import Glibc
#endif
import VitalgateAgent

/// The process environment, read without Foundation.
enum Environment {
    static var current: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let pair = String(cString: entry)
            if let eq = pair.firstIndex(of: "=") {
                result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }

    static func value(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        let s = String(cString: v)
        return s.isEmpty ? nil : s
    }
}

/// Who runs this command, for the access trail's `actor` (docs/audit.md).
func cliActor() -> String { AccessTrail.actor(environment: Environment.current) }
