/// Wire-format test vectors.
///
/// Regtest vectors were produced by litecoind v0.21.2.1 (`/usr/lib/litecoin/litecoind
/// -regtest -txindex=1 -fallbackfee=0.0001`, wallet "vitalgate", 101 blocks mined
/// to it) with `litecoin-cli -regtest`; each vector names the command. Mainnet
/// vectors are Bitcoin's genesis block as published on https://en.bitcoin.it/wiki/Genesis_block.
enum Fixtures {
    // MARK: Bitcoin mainnet genesis block

    /// The genesis block header (bitcoin.it raw hex dump, bytes 0x00-0x4f).
    static let genesisHeader = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
    static let genesisHash = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
    /// The genesis coinbase transaction (bitcoin.it raw hex dump, bytes 0x51-0x11c): legacy format.
    static let genesisCoinbase = "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000"
    /// Its txid, which is also the genesis merkle root (a one-transaction block).
    static let genesisCoinbaseTxid = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"

    // MARK: Regtest anchor transaction (segwit, one P2WPKH input)

    /// `createrawtransaction '[]' '[{"data":"5647543100000000000000 05ab..ab cd..cd"}]'`, then
    /// `fundrawtransaction <hex> '{"changePosition":1}'`, `signrawtransactionwithwallet`;
    /// `sendrawtransaction` answered `anchorTxid`.
    static let anchorTx = "02000000000101578fa3c47bd8ab9582b6e4af10847a94877651eaa348b5e2359a1d67b9c91c2d0000000000feffffff020000000000000000366a34564754310000000000000005ababababababababababababababababababababababababababababababababcdcdcdcdcdcdcdcd3eeb052a01000000160014c0a3d601218b4c5bf6d0ea87359464e4e2f09e30024730440220317224e8ec3b08f53685c8d080a3fc3ade5c68bbd1e7a852b9e29a5d99009fb202202986acb12e6c2027511ae56efc2915c50ff83d5dd376b4bfa62681fb6b362e0e0121038d2cf6ae37383febac27234ecbd6d7571ecd80b619c948547f7fb751cc89109200000000"
    static let anchorTxid = "b62fcfdd5b5e16ff0585301e19c42adce0a0cd39385e2195f0cf019913ebe2ec"
    /// The OP_RETURN data sent: "VGT1", tree size 5, root ab*32, fingerprint cd*8.
    static let anchorPayload = "564754310000000000000005ababababababababababababababababababababababababababababababababcdcdcdcdcdcdcdcd"
    /// The block that mined it (`generatetoaddress 1`, height 102); `getblock` lists
    /// [coinbase aaa4eaa5..., anchorTxid].
    static let anchorBlock = "75f6324f8257baf87771f61b645e6172f9df91f6251ab302bc2244dbb663428e"
    static let anchorBlockCoinbaseTxid = "aaa4eaa5fa754fdef49ae5f242b5b6b7ca7b921973a4cca3840ff429a71bcf06"
    /// `gettxoutproof '["<anchorTxid>"]' <anchorBlock>`.
    static let anchorProof = "000000203ef904e0b2c6a9df7ed359a8b221ec79bc2a4ca19c4b4afb536664c65d50b8b5fa05690ca5dd4a7b572e8dbdbfda326b3d652da00be95bb855125e5bc3c629529fe2066bffff7f2001000000020000000206cf1ba729f40f84a3cca47319927bcab7b6b542f2e59af4de4f75faa5eaa4aaece2eb139901cff095215e3839cda0e0dc2ac4191e308505ff165e5bddcf2fb60105"

    // MARK: Regtest six-transaction block ea484d1f...

    /// `getblock ea484d1f320fae61332154dadaddba7817b264bc43e187cee0735e7bec6829bd 1`: its txids in order.
    static let sixBlock = "ea484d1f320fae61332154dadaddba7817b264bc43e187cee0735e7bec6829bd"
    static let sixBlockTxids = [
        "7caebbe20ab4b7d16359d1680b6aa4752dfbacba8949d73c139c18512352c1ec",
        "7223e1fb22d03fad6fd67775a7e71d4376f380e42dc833c300a064158bd69a26",
        "574961ca6fbb0ca36f48abec443d34f577c288d6ed1af8f9efb65ed3e7093f07",
        "115bfaff90b976eb618a27f95fd1d23086212b7d3c166443c4b3e96d088aec82",
        "18f6f4a1d3745be8cf645f5239c8e3e4a8c78ef87f94e9e52b8d006eeb6a3a8b",
        "0af5764459745f210a21b5805114a88d8f12931d7a7cfe345465964a2895ebf4",
    ]
    /// `gettxoutproof '["<sixBlockTxids[1]>","<sixBlockTxids[4]>"]' <sixBlock>`.
    static let sixProofTwoMatches = "000000208bece3b812e04032a094c51bc64341cc16df51080be47c13bdc62467b6ba5e85a5e903ec540c89a4dbd2d91d62942ec9e5105c491572eaf5b97b203a236b7d3fa0e2066bffff7f20000000000600000005ecc1522351189c133cd74989baacfb2d75a46a0b68d15963d1b7b40ae2bbae7c269ad68b1564a000c333c82de480f376431de7a77577d66fad3fd022fbe12372add0ca6d40e0e76c3d0cf1814d960f1be6e154a67bd21ea62ceddfad868d3a7a8b3a6aeb6e008d2be5e9947ff88ec7a8e4e3c839525f64cfe85b74d3a1f4f618f4eb95284a96655434fe7c7a1d93128f8da8145180b5210a215f74594476f50a02d701"
    /// `gettxoutproof '["<sixBlockTxids[5]>"]' <sixBlock>`: the last, unpaired transaction.
    static let sixProofLast = "000000208bece3b812e04032a094c51bc64341cc16df51080be47c13bdc62467b6ba5e85a5e903ec540c89a4dbd2d91d62942ec9e5105c491572eaf5b97b203a236b7d3fa0e2066bffff7f20000000000600000003a72d756cba609352b269da89041ff1287e8463a6e275267f431e57c73cf135ce8b3a6aeb6e008d2be5e9947ff88ec7a8e4e3c839525f64cfe85b74d3a1f4f618f4eb95284a96655434fe7c7a1d93128f8da8145180b5210a215f74594476f50a012d"
    /// `getrawtransaction <sixBlockTxids[0]> false <sixBlock>`: a segwit coinbase whose
    /// witness-commitment output is OP_RETURN aa21a9ed...; `getrawtransaction ... true` gives `hash` = `sixCoinbaseWtxid`.
    static let sixCoinbase = "020000000001010000000000000000000000000000000000000000000000000000000000000000ffffffff0401680101ffffffff02b631062a0100000016001459414b39d71a9e6c00319b186e45b9f13c947bcb0000000000000000266a24aa21a9ed887c4542cbe54412167e582ba6983dc1f68499c6da9dfbd1a3c3894f38caa6230120000000000000000000000000000000000000000000000000000000000000000000000000"
    static let sixCoinbaseWtxid = "b21235d05c7ffc84e5a1f9f8f07d86a7f8dfc0d8a964f6091f9e36cc4258a625"
    /// `signrawtransactionwithwallet` of a spend from a `getnewaddress "" legacy` P2PKH
    /// output: no witness; `sendrawtransaction` answered `sixBlockTxids[1]`.
    static let legacySpend = "02000000010f5eb299a432b7574f2bb717fa644340f7cf1a345204d4a4d24d2c5aee45fce9000000006a47304402201cec136758c40973afd89784716bd3cc34d8270cee186ef4f31161655175ce0d0220447d7ce7cf156605d4f7c738e2817cd92c45840f0286fb236402bbdaf60cf4c00121039a7dd93439e6150492a1de37df1f37ab3d5471b0a126b903bac5974a1251bca2ffffffff0170aaf0080000000016001459414b39d71a9e6c00319b186e45b9f13c947bcb00000000"
}

/// Lowercase or uppercase hex to bytes; traps on malformed fixtures.
func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    precondition(digits.count % 2 == 0, "odd-length hex fixture")
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: preconditionFailure("non-hex character in fixture")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}

/// `bytes` with bit `bit` of byte `index` inverted.
func flipped(_ input: [UInt8], byte index: Int, bit: Int) -> [UInt8] {
    var copy = input
    copy[index] ^= 1 << UInt8(bit)
    return copy
}

/// Display-order hex of an internal-order hash.
func display(_ hash: [UInt8]) -> String {
    hash.reversed().map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
