import Bitcoin
import LedgerRPC
import VitalgateAgent

/// Measures what one anchor costs on a regtest node whose wallet holds many
/// coins: the agent's path (explicit input and change:
/// createrawtransaction → signrawtransactionwithwallet → sendrawtransaction)
/// against wallet coin selection (fundrawtransaction in place of the explicit
/// input). For `vitalgate dev bench-anchor`; regtest only (it mines).
public enum AnchorBench {
    public struct Result: Sendable {
        /// Coins in the wallet when timing began, and when it ended
        /// (wallet selection spends several small coins per anchor).
        public let walletCoins: Int
        public let walletCoinsAfter: Int
        public let anchors: Int
        /// Milliseconds per anchor, one entry per anchor, in order.
        public let explicitInputs: [Double]
        public let walletFunded: [Double]
    }

    /// - Precondition: `rpc` reaches a regtest node, `coins >= 1`, `anchors >= 1`.
    public static func run(rpc: BitcoinRPC, coins: Int, anchors: Int, progress: (String) -> Void) throws -> Result {
        let mining = try rpc.newSegwitAddress()
        if try rpc.trustedBalance() < Int64(coins) * 200_000 + 100_000_000 {
            _ = try rpc.generateToAddress(110, mining)      // coinbases mature after 100 blocks
        }
        var have = try rpc.unspentCoins().count
        progress("wallet has \(have) coins; making at least \(coins)")
        let rate = FeeRate(satoshisPerKvB: 1000)
        while have < coins {
            // Split the largest coin with an explicit input: wallet selection
            // would gather the small coins made so far and the count would not grow.
            let batch = min(250, coins - have)
            guard let big = try rpc.unspentCoins(minimumConfirmations: 1).max(by: { $0.satoshis < $1.satoshis }),
                  big.satoshis > Int64(batch) * 100_000 + 1_000_000 else {
                throw LedgerError.badResponse("the bench wallet has no coin large enough to split; mine more blocks to it")
            }
            var outputs: [(address: String, satoshis: Int64)] = []
            for _ in 0..<batch { outputs.append((try rpc.newSegwitAddress(), 100_000)) }
            let splitFee = rate.fee(virtualBytes: 200 + 31 * (batch + 1))
            outputs.append((big.address, big.satoshis - Int64(batch) * 100_000 - splitFee))
            let tx = try rpc.signWithWallet(try rpc.createRawTransaction(inputs: [big.outPoint], data: nil, payTo: outputs))
            try rpc.sendRawTransaction(tx.bytes, expectedTxid: tx.txidHex)
            _ = try rpc.generateToAddress(1, mining)
            have = try rpc.unspentCoins().count
        }
        // The agent's path: each anchor spends its own coin (round robin over
        // 8, as the agent's pool), change back to the coin's address.
        let coinsAtStart = try rpc.unspentCoins().count
        var pool = Array(try rpc.unspentCoins(minimumConfirmations: 1).filter { $0.satoshis >= 100_000 }.prefix(8))
        let fee = AnchorTransaction.fee(at: rate)
        var explicit: [Double] = []
        for i in 0..<anchors {
            if i > 0 && i % 10 == 0 { _ = try rpc.generateToAddress(1, mining) }   // untimed: keeps chains short
            let coin = pool[i % pool.count]
            let start = ContinuousClock.now
            let tx = try AnchorTransaction.build(payload: payload(i), spending: coin.outPoint, value: coin.satoshis, address: coin.address,
                                                 fee: fee, rpc: rpc)
            try rpc.sendRawTransaction(tx.bytes, expectedTxid: tx.txidHex)
            explicit.append(milliseconds(since: start))
            pool[i % pool.count] = (OutPoint(txid: tx.txidHex, vout: 1), coin.satoshis - fee, coin.address, 0)
        }
        _ = try rpc.generateToAddress(1, mining)
        // Wallet coin selection over every coin of the wallet.
        var funded: [Double] = []
        for i in 0..<anchors {
            if i > 0 && i % 10 == 0 { _ = try rpc.generateToAddress(1, mining) }
            let start = ContinuousClock.now
            let unfunded = try rpc.createRawTransaction(inputs: [], data: payload(anchors + i), payTo: [])
            let tx = try rpc.fundAndSign(unfunded, feeRate: rate, changePosition: 1)
            try rpc.sendRawTransaction(tx.bytes, expectedTxid: tx.txidHex)
            funded.append(milliseconds(since: start))
        }
        _ = try rpc.generateToAddress(1, mining)
        return Result(walletCoins: coinsAtStart, walletCoinsAfter: try rpc.unspentCoins().count, anchors: anchors, explicitInputs: explicit, walletFunded: funded)
    }

    private static func payload(_ i: Int) -> [UInt8] {
        AnchorPayload(treeSize: UInt64(i + 1), rootHash: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 32),
                      gatewayPublicKey: [UInt8](repeating: 0xbe, count: 32)).bytes
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).seconds * 1000
    }
}
