/// Why a data key could not be made or a sealed value opened.
public enum DataKeyError: Error, Equatable, CustomStringConvertible {
    /// `DataKey(bytes:)` was not given exactly 32 bytes.
    case wrongKeyLength(got: Int)
    /// Shorter than a nonce and a tag (40 bytes): not something `seal` made.
    case truncated(count: Int)
    /// The tag does not match: the sealed bytes or the associated data were
    /// changed, or this is not the key they were sealed with.
    case authenticationFailed

    public var description: String {
        switch self {
        case let .wrongKeyLength(got):
            "a data key is \(DataKey.byteCount) bytes, got \(got)"
        case let .truncated(count):
            "sealed data of \(count) bytes is too short (at least \(DataKey.nonceByteCount + DataKey.tagByteCount)); it was truncated or is not sealed data"
        case .authenticationFailed:
            "sealed data failed authentication: it was altered, belongs to another record, or was sealed with another key"
        }
    }
}
