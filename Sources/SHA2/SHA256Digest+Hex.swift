import Codecs

extension SHA256Digest: CustomStringConvertible {
    /// The digest as 64 lowercase hexadecimal digits.
    public var hex: String {
        withUnsafeBytes { Hex.encode($0) }
    }

    /// A digest from exactly 64 hexadecimal digits (either case); `nil` otherwise.
    public init?(hex: String) {
        guard hex.utf8.count == 2 * Self.byteCount, let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    public var description: String { hex }
}
