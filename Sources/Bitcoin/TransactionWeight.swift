/// Transaction weight and virtual size (BIP 141 "Transaction size
/// calculations"): fees and the relay policy are counted in virtual bytes.
extension BitcoinTransaction {
    /// Weight units: the stripped serialization counts four times, witness
    /// data once, i.e. `3 * stripped + total`.
    public var weight: Int { 3 * strippedBytes.count + bytes.count }

    /// Virtual bytes: weight / 4, rounded up.
    public var virtualSize: Int { (weight + 3) / 4 }
}
