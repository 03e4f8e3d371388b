import Bitcoin
import JSON
import LedgerRPC
import Testing
import TestSupport

/// The anchor path end to end against a real `litecoind -regtest`.
@Suite(.serialized) struct LedgerAnchorTests {
    @Test func anchorMineAndProve() throws {
        let node = try LedgerNode(name: "anchor")
        defer { node.stop() }
        let rpc = BitcoinRPC(endpoint: try LedgerEndpoint(url: node.url, wallet: "vitalgate", auth: .cookieFile(node.cookieFile)))
        try rpc.ensureWallet("vitalgate")   // already loaded: a no-op

        let info = try rpc.blockchainInfo()
        #expect(info.chain == "regtest")
        #expect(info.blocks == 101)

        let sent = AnchorPayload(treeSize: 1234, rootHash: (0..<32).map { UInt8(truncatingIfNeeded: $0 * 9) }, gatewayPublicKey: [UInt8](repeating: 7, count: 32))
        let (txid, rawTx) = try rpc.sendAnchor(sent.bytes, feeRatePerKvB: 0.0002)
        #expect(try BitcoinTransaction(parsing: rawTx).txidHex == txid)
        let pending = try rpc.transactionStatus(txid)
        #expect(pending.confirmations == 0 && pending.blockHash == nil)

        let blocks = try rpc.generateToAddress(1, try rpc.newAddress())
        let blockHash = try #require(blocks.first)
        let status = try rpc.transactionStatus(txid)
        #expect(status.confirmations == 1)
        #expect(status.blockHash == blockHash)

        let raw = try rpc.rawTransaction(txid, blockHash: blockHash)
        #expect(try rpc.rawTransaction(txid, blockHash: nil) == raw)   // -txindex=1
        let transaction = try BitcoinTransaction(parsing: raw)
        #expect(transaction.txidHex == txid)
        #expect(transaction.hasWitness)
        #expect(transaction.opReturnPayloads.count == 1)
        #expect(try AnchorPayload(parsing: try #require(transaction.opReturnPayloads.first)) == sent)
        #expect(transaction.outputs[0].value == 0)   // the data output comes first, change after

        let proof = try MerkleBlock(parsing: try rpc.txOutProof(txid, blockHash: blockHash))
        #expect(proof.header.hashHex == blockHash)
        #expect(try proof.verifiedMatches() == [transaction.txid])
        #expect(proof.transactionCount == 2)

        let header = try rpc.blockHeader(blockHash)
        #expect(header.height == 102)
        #expect(header.confirmations == 1)
        _ = try rpc.generateToAddress(2, try rpc.newAddress())
        #expect(try rpc.blockHeader(blockHash).confirmations == 3)
        #expect(try rpc.transactionStatus(txid).confirmations == 3)
    }

    @Test func ensureWalletCreatesThenLoads() throws {
        let node = try LedgerNode(name: "wallets", matureCoins: false)
        defer { node.stop() }
        let name = "vital gate/2"   // space and slash travel percent-encoded in /wallet/<name>
        let rpc = BitcoinRPC(endpoint: try LedgerEndpoint(url: node.url, wallet: name, auth: .cookieFile(node.cookieFile)))
        try rpc.ensureWallet(name)                    // loadwallet -18, then createwallet
        try rpc.ensureWallet(name)                    // listed: nothing to do
        #expect(try rpc.newAddress().hasPrefix("rltc1"))
        _ = try rpc.call("unloadwallet", [.string(name)])
        #expect(throws: LedgerError.self) { try rpc.newAddress() }
        try rpc.ensureWallet(name)                    // exists on disk: loadwallet
        let loaded = try rpc.call("listwallets").array?.compactMap(\.string) ?? []
        #expect(loaded.contains(name) && loaded.contains("vitalgate"))
        #expect(try rpc.newAddress().hasPrefix("rltc1"))
    }
}
