import Codecs
import SHA2
import JSON

/// SHA256(SHA256(bytes)): Bitcoin's hash for txids, block hashes and Merkle
/// nodes (Bitcoin Core hash.h `CHash256`).
func doubleSHA256(_ bytes: some Collection<UInt8>) -> [UInt8] {
    // The inner digest is hashed from its inline storage: no intermediate array.
    SHA256.hash(bytes).withUnsafeBytes { SHA256.hash($0) }.bytes
}

/// Internal byte order to the order RPC shows (uint256::GetHex prints bytes reversed).
func displayHex(_ internalOrder: [UInt8]) -> String {
    Hex.encode(internalOrder.reversed())
}
