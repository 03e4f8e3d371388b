import Foundation
import JSON
@testable import ProofBundle
import SignedNote
import Sodium
import Testing
import Vitals

/// The key-chain step of `verify` (docs/security.md, "Trust model"), with
/// real Ed25519 keys and every way a chain can be wrong.
@Suite struct KeyChainTests {
    let keys: [Ed25519SecretKey] = (0..<4).map { _ in try! Ed25519SecretKey.generate() }
    var k: [[UInt8]] { keys.map(\.publicKey.bytes) }

    func link(_ seq: UInt64, from old: Int, to new: Int, signer: Int? = nil, gateway: String = "gw") -> KeyChainLink {
        let statement = KeyRotation(gateway: gateway, seq: seq, ts: 1_764_072_000_000 + Int64(seq), oldKey: k[old], newKey: k[new]).canonicalEncoding()
        return KeyChainLink(statement: statement, signature: keys[signer ?? old].sign(statement), leafIndex: 10 * seq)
    }

    func step(signedBy key: Int, chain: [KeyChainLink], pins: [Int]? = nil,
              origin: String = "vitalgate/gw") -> VerificationStep {
        let verifier = BundleVerifier(ed25519: { key, message, signature in
            Ed25519PublicKey(bytes: key)!.isValidSignature(signature, for: message)
        }, trustedKeys: pins.map { $0.map { k[$0] } })
        let reading = Reading(device: "th-1", boot: 0, seq: 1, ts: 1, metrics: [(key: "temp", value: ExactDecimal(text: "36.6")!)])
        let bundle = ProofBundle(reading: reading, salt: nil, leaf: reading.canonicalEncoding(), leafIndex: 0, treeSize: 1, inclusion: [],
                                 checkpoint: "", gatewayPublicKey: k[key],
                                 anchor: .init(txid: "", blockHash: "", blockHeight: 0, confirmations: 0, rawTx: [], txoutProof: []),
                                 keyChain: chain)
        let checkpoint = Checkpoint(origin: origin, size: 1, rootHash: [UInt8](repeating: 0, count: 32))
        let note = SignedNote(text: checkpoint.body, signatures: [NoteSignature(name: origin, keyID: [0, 0, 0, 0], signature: [0])])
        return verifier.checkKeyChain(bundle, .success((note, checkpoint)))
    }

    @Test func withoutRotationsTheBundleKeyIsTheChain() {
        #expect(step(signedBy: 0, chain: []).passed)
        #expect(step(signedBy: 0, chain: [], pins: [0]).passed)
        #expect(!step(signedBy: 0, chain: [], pins: [1]).passed)
    }

    @Test func everyKeyOfTheChainVerifiesFromThePinnedStart() {
        let chain = [link(1, from: 0, to: 1), link(2, from: 1, to: 2)]
        for signer in 0...2 {
            #expect(step(signedBy: signer, chain: chain, pins: [0]).passed, "key \(signer)")
            #expect(step(signedBy: signer, chain: chain).passed, "key \(signer), unpinned")
        }
        // Pinning a later key trusts it and its successors, not its predecessors.
        #expect(step(signedBy: 2, chain: chain, pins: [1]).passed)
        #expect(!step(signedBy: 0, chain: chain, pins: [1]).passed)
        // A key outside the chain fails, pinned or not; so does a chain from another start.
        #expect(!step(signedBy: 3, chain: chain, pins: [0]).passed)
        #expect(!step(signedBy: 3, chain: chain).passed)
        #expect(!step(signedBy: 2, chain: chain, pins: [3]).passed)
    }

    @Test func brokenChainsFail() {
        let cases: [(String, [KeyChainLink])] = [
            ("signed by the new key", [link(1, from: 0, to: 1, signer: 1)]),
            ("signed by an outsider", [link(1, from: 0, to: 1), link(2, from: 1, to: 2, signer: 3)]),
            ("a gap in seq", [link(1, from: 0, to: 1), link(3, from: 1, to: 2)]),
            ("starts at seq 2", [link(2, from: 0, to: 1)]),
            ("does not continue from the last key", [link(1, from: 0, to: 1), link(2, from: 0, to: 2)]),
            ("names a key twice", [link(1, from: 0, to: 1), link(2, from: 1, to: 0)]),
            ("another gateway", [link(1, from: 0, to: 1, gateway: "other")]),
        ]
        for (what, chain) in cases {
            #expect(!step(signedBy: 1, chain: chain, pins: [0]).passed, "\(what)")
        }
        var altered = link(1, from: 0, to: 1)
        altered.signature[5] ^= 1
        #expect(!step(signedBy: 1, chain: [altered], pins: [0]).passed)
        var spaced = link(1, from: 0, to: 1)
        spaced.statement.insert(UInt8(ascii: " "), at: 1)
        spaced.signature = keys[0].sign(spaced.statement)
        #expect(!step(signedBy: 1, chain: [spaced], pins: [0]).passed, "a non-canonical statement, even if signed")
    }

    @Test func statementEncodingIsCanonicalAndRoundTrips() throws {
        let rotation = KeyRotation(gateway: "ward3-gw1", seq: 1, ts: 1_764_072_000_123,
                                   oldKey: [UInt8](repeating: 0xab, count: 32), newKey: [UInt8](repeating: 0x01, count: 32))
        let text = String(decoding: rotation.canonicalEncoding(), as: UTF8.self)
        #expect(text == "{\"gateway\":\"ward3-gw1\",\"new_key\":\"\(String(repeating: "01", count: 32))\",\"old_key\":\"\(String(repeating: "ab", count: 32))\",\"seq\":1,\"ts\":1764072000123,\"type\":\"key-rotation\"}")
        #expect(try KeyRotation(canonicalEncoding: rotation.canonicalEncoding()) == rotation)
        for other in [text.uppercased(), text.replacingOccurrences(of: ",\"seq\"", with: ", \"seq\""),
                      text.replacingOccurrences(of: "\"seq\":1", with: "\"seq\":1.0"),
                      text.replacingOccurrences(of: "}", with: ",\"extra\":1}")] {
            #expect(throws: KeyRotation.FormatError.self) { try KeyRotation(canonicalEncoding: Array(other.utf8)) }
        }
    }

    @Test func bundleJSONCarriesTheChain() throws {
        let reading = Reading(device: "th-1", boot: 0, seq: 1, ts: 1, metrics: [(key: "temp", value: ExactDecimal(text: "36.6")!)])
        let chain = [link(1, from: 0, to: 1)]
        let bundle = ProofBundle(reading: reading, salt: nil, leaf: reading.canonicalEncoding(), leafIndex: 0, treeSize: 1, inclusion: [],
                                 checkpoint: "c", gatewayPublicKey: k[1],
                                 anchor: .init(txid: "t", blockHash: "b", blockHeight: 1, confirmations: 1, rawTx: [1], txoutProof: [2]),
                                 keyChain: chain)
        let parsed = try ProofBundle(json: JSONParser.parse(bundle.json.serialized()))
        #expect(parsed.keyChain == chain)
        var old = bundle.json.object!
        old.members.removeAll { $0.key == "key_chain" }
        #expect(try ProofBundle(json: .object(old)).keyChain.isEmpty, "bundles without key_chain still parse")
    }
}
