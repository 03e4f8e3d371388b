import Bitcoin
import JSON
import LedgerRPC
import Testing
import TestSupport

/// The node facts anchoring is built on, measured on a real litecoind -regtest.
@Suite(.serialized) struct LedgerMempoolTests {
    /// Explicit input and change: the 25th transaction of an unconfirmed
    /// chain is taken, the 26th refused as too-long-mempool-chain (-26).
    @Test func explicitInputsChainUpToTheNodesLimit() throws {
        let node = try LedgerNode(name: "chain")
        defer { node.stop() }
        let rpc = BitcoinRPC(endpoint: try LedgerEndpoint(url: node.url, wallet: "vitalgate", auth: .cookieFile(node.cookieFile)))
        let coin = try #require(try rpc.unspentCoins(minimumConfirmations: 1).first)
        #expect(coin.confirmations >= 100 && coin.satoshis > 0)
        var outPoint = coin.outPoint, value = coin.satoshis
        let address = try rpc.newSegwitAddress()
        let fee = FeeRate(satoshisPerKvB: 1000).fee(virtualBytes: AnchorTransactionSize.virtualBytes())
        for n in 1...26 {
            let payload = AnchorPayload(treeSize: UInt64(n), rootHash: [UInt8](repeating: UInt8(n), count: 32),
                                        gatewayPublicKey: [UInt8](repeating: 1, count: 32)).bytes
            let hex = try rpc.createRawTransaction(inputs: [outPoint], data: payload, payTo: [(address, value - fee)])
            let tx = try rpc.signWithWallet(hex)
            #expect(tx.inputs.count == 1 && tx.opReturnPayloads == [payload])
            #expect(tx.virtualSize <= AnchorTransactionSize.virtualBytes())
            if n <= 25 {
                try rpc.sendRawTransaction(tx.bytes, expectedTxid: tx.txidHex)
                #expect(try rpc.sighting(of: tx.txidHex) == .mempool(ancestors: n))
                outPoint = OutPoint(txid: tx.txidHex, vout: 1)
                value -= fee
            } else {
                #expect {
                    try rpc.sendRawTransaction(tx.bytes, expectedTxid: tx.txidHex)
                } throws: { error in
                    guard let refusal = SendRefusal(error as! LedgerError), case .rejected(let why) = refusal else { return false }
                    return why.contains("too-long-mempool-chain")
                }
            }
        }
    }

    /// After invalidateblock the anchor is back in the mempool, the old
    /// block is out of the active chain, and a new block carries it again.
    @Test func aReorgSendsTheTransactionBackToTheMempool() throws {
        let node = try LedgerNode(name: "reorg")
        defer { node.stop() }
        let rpc = BitcoinRPC(endpoint: try LedgerEndpoint(url: node.url, wallet: "vitalgate", auth: .cookieFile(node.cookieFile)))
        let payload = AnchorPayload(treeSize: 9, rootHash: [UInt8](repeating: 9, count: 32), gatewayPublicKey: [UInt8](repeating: 2, count: 32)).bytes
        let (txid, _) = try rpc.sendAnchor(payload, feeRatePerKvB: 0.00002)
        #expect(try rpc.sighting(of: txid) == .mempool(ancestors: 1))
        let first = try #require(try node.mine(1).first)
        guard case .block(let hash, _, 1) = try rpc.sighting(of: txid) else { Issue.record("not mined"); return }
        #expect(hash == first)
        try node.invalidateBlock(first)
        #expect(try rpc.blockHeader(first).confirmations == -1)
        #expect(try rpc.sighting(of: txid) == .mempool(ancestors: 1))
        // A fresh address: the same coinbase in the same second would rebuild the invalidated block.
        let second = try #require(try rpc.generateToAddress(2, try rpc.newSegwitAddress()).first)
        #expect(second != first)
        guard case .block(let again, _, 2) = try rpc.sighting(of: txid) else { Issue.record("not mined again"); return }
        #expect(again == second)
        // A proof asked for the named active block proves it there.
        let proof = try MerkleBlock(parsing: try rpc.txOutProof(txid, blockHash: again))
        #expect(proof.header.hashHex == again)
    }
}
