/// A reading as a leaf of the gateway's Merkle log (docs/encoding.md).
///
/// Version 2 commits to the reading together with a secret random salt of
/// `saltByteCount` bytes, drawn per reading. Vitals have little entropy (SpO2
/// 50...100 times heart rate 20...300 is 14,331 guesses), and a leaf's
/// device, boot, seq and time are known to whoever holds the database or a
/// neighbour's proof; without a salt its hash gives the values back. The
/// salt is stored sealed with the reading and disclosed only with it: in its
/// own proof bundle and in its FHIR Observations. Version 1 leaves, without
/// a salt, were written before; logs that hold them keep verifying.
public struct ReadingLeaf: Sendable, Equatable {
    /// 128 bits: a guess of the salt is as hopeless as a guess of a key.
    public static let saltByteCount = 16

    public let reading: Reading
    /// The secret salt; nil for a version 1 leaf.
    public let salt: [UInt8]?

    /// 1 (unsalted, before issue 11) or 2 (salted).
    public var version: Int { salt == nil ? 1 : 2 }

    /// A version 2 leaf. Precondition: `salt` has `saltByteCount` bytes,
    /// drawn at random for this reading alone.
    public init(reading: Reading, salt: [UInt8]) {
        precondition(salt.count == Self.saltByteCount, "a leaf salt is \(Self.saltByteCount) bytes")
        self.reading = reading
        self.salt = salt
    }

    /// A version 1 leaf: how logs written before salting hold readings.
    public init(version1 reading: Reading) {
        self.reading = reading
        self.salt = nil
    }

    /// The leaf data: the reading's canonical JSON, with a `salt` member in
    /// version 2. The leaf hash is RFC 9162's SHA-256(0x00 || bytes).
    public var bytes: [UInt8] { reading.canonicalEncoding(salt: salt) }

    /// The leaf whose `bytes` are exactly `bytes`, of either version; any
    /// other spelling is rejected (one reading and salt, one leaf).
    public init(bytes: [UInt8]) throws(ReadingDecodingError) {
        (reading, salt) = try Reading.decodeLeaf(bytes)
    }
}
