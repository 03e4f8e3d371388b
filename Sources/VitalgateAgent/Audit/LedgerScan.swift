import Bitcoin
import LedgerRPC
import ProofBundle

/// Finds a gateway's anchors on the chain: every `VGT1` OP_RETURN payload
/// (docs/anchoring.md) whose key fingerprint is one of the gateway's, in the
/// blocks of the active chain from a height to the tip. The monitor
/// (`audit chain`) and the agent's start-up check use it (docs/audit.md).
public enum LedgerScan {
    public struct Result: Sendable {
        public let anchors: [ObservedAnchor]
        /// The tip's height when the scan ended.
        public let tip: Int64
        /// The node that answered.
        public let endpoint: String
    }

    /// Scans blocks `from`...tip through the first endpoint that answers,
    /// trying the next when one cannot be reached. One `getblock` per block.
    public static func anchors(endpoints: [LedgerEndpoint], fingerprints: Set<[UInt8]>, from: Int64) throws(LedgerError) -> Result {
        var failures: [String] = []
        for endpoint in endpoints {
            let rpc = BitcoinRPC(endpoint: endpoint)
            do {
                let tip = try rpc.blockCount()
                var found: [ObservedAnchor] = []
                var height = max(0, from)
                while height <= tip {
                    let hash = try rpc.blockHash(height: height)
                    let block = try rpc.block(hash)
                    for (position, tx) in block.transactions.enumerated() {
                        for bytes in tx.opReturnPayloads where bytes.count == AnchorPayload.byteCount {
                            guard let payload = try? AnchorPayload(parsing: bytes), fingerprints.contains(payload.keyFingerprint) else { continue }
                            found.append(ObservedAnchor(height: height, blockHash: hash, position: position, txid: tx.txidHex, payload: payload))
                        }
                    }
                    height += 1
                }
                return Result(anchors: found, tip: tip, endpoint: endpoint.url)
            } catch {
                guard isDown(error) else { throw error }
                failures.append("\(endpoint.url): \(error)")
            }
        }
        throw .unreachable(failures.joined(separator: "; "))
    }

    /// The node, not the request, is the problem: try another.
    static func isDown(_ error: LedgerError) -> Bool {
        switch error {
        case .unreachable, .unauthorized, .cookieUnreadable: true
        case .rpc(let code, _): code == -28
        case .badResponse: false
        }
    }
}
