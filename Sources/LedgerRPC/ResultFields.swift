import Codecs
import JSON

/// Typed reads of RPC results: a missing or mistyped field is the node's
/// answer not matching the documented shape, so it is a `.badResponse`.
extension JSONValue {
    func requiredString(_ key: String, in method: String) throws(LedgerError) -> String {
        guard let value = self[key]?.string else { throw .badResponse("\(method): no string field \"\(key)\"") }
        return value
    }

    func requiredInt64(_ key: String, in method: String) throws(LedgerError) -> Int64 {
        guard let value = self[key]?.int64 else { throw .badResponse("\(method): no integer field \"\(key)\"") }
        return value
    }

    func requiredBool(_ key: String, in method: String) throws(LedgerError) -> Bool {
        guard let value = self[key]?.bool else { throw .badResponse("\(method): no boolean field \"\(key)\"") }
        return value
    }

    func asString(in method: String) throws(LedgerError) -> String {
        guard let value = string else { throw .badResponse("\(method): result is not a string") }
        return value
    }

    func asHexBytes(in method: String) throws(LedgerError) -> [UInt8] {
        guard let text = string, let bytes = Hex.decode(text) else { throw .badResponse("\(method): result is not hex") }
        return bytes
    }
}
