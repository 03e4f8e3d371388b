extension TxIn {
    /// The spent transaction's id as RPCs print it (byte-reversed hex).
    public var previousTxidHex: String { displayHex(previousTxid) }
}
