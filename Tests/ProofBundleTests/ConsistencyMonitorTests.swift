import Bitcoin
import JSON
import Merkle
import SHA2
import SignedNote
import Sodium
import Testing
@testable import ProofBundle

/// Consistency files (RFC 9162 section 2.1.4) and the anchor monitor, on
/// trees built here and checkpoints signed with real Ed25519 keys: a log
/// that only grew passes; one size with two roots, a size going down, a
/// tree that is not an extension, and a step without proof do not.
@Suite struct ConsistencyMonitorTests {
    static let origin = "vitalgate/mon-gw"
    let key = try! Ed25519SecretKey.generate()
    let stranger = try! Ed25519SecretKey.generate()
    static func ed25519(_ key: [UInt8], _ message: [UInt8], _ signature: [UInt8]) -> Bool {
        Ed25519PublicKey(bytes: key)?.isValidSignature(signature, for: message) ?? false
    }

    /// A log of `count` leaves named `prefix` i (so two prefixes share no leaf after `shared`).
    static func tree(_ count: Int, shared: Int = Int.max, prefix: String = "a") -> InMemoryNodes {
        var t = InMemoryNodes()
        for i in 0..<count { t.append(leafHash: RFC9162.hashLeaf(Array("\(i < shared ? "a" : prefix)-\(i)".utf8))) }
        return t
    }

    func note(_ t: InMemoryNodes, _ size: UInt64, by signer: Ed25519SecretKey? = nil) throws -> String {
        let k = signer ?? key
        let checkpoint = Checkpoint(origin: Self.origin, size: size, rootHash: try MerkleTree.root(size: size, nodes: t).bytes)
        return SignedNote.sign(text: checkpoint.body, name: Self.origin, keyID: Ed25519NoteKey.keyID(name: Self.origin, publicKey: k.publicKey.bytes)) { k.sign($0) }.serialized
    }

    func file(_ t: InMemoryNodes, _ old: UInt64, _ new: UInt64, oldSigner: Ed25519SecretKey? = nil) throws -> ConsistencyBundle {
        ConsistencyBundle(oldCheckpoint: try note(t, old, by: oldSigner), newCheckpoint: try note(t, new),
                          proof: try MerkleTree.consistencyProof(oldSize: old, newSize: new, nodes: t).map(\.bytes),
                          gatewayPublicKey: key.publicKey.bytes, keyChain: [])
    }

    func verifier(pins: [[UInt8]]? = nil) -> BundleVerifier { BundleVerifier(ed25519: Self.ed25519, trustedKeys: pins) }

    @Test func aConsistencyFileVerifiesRoundTripsAndFailsWhenAltered() throws {
        let t = Self.tree(13)
        for (old, new) in [(1, 13), (4, 13), (7, 13), (8, 13), (13, 13), (0, 13)] as [(UInt64, UInt64)] where old > 0 {
            let c = try file(t, old, new)
            let parsed = try ConsistencyBundle(json: JSONParser.parse(c.json.serialized()))
            #expect(parsed == c)
            let steps = verifier(pins: [key.publicKey.bytes]).verify(consistency: parsed)
            #expect(Verdict(steps) == .verified, "\(old) → \(new): \(steps)")
        }
        var altered = try file(t, 5, 13)
        altered.proof[1][3] ^= 1
        #expect(Verdict(verifier().verify(consistency: altered)) == .failed)
        // An older checkpoint of another tree (same size) does not fit the proof.
        var other = try file(t, 5, 13)
        other.oldCheckpoint = try note(Self.tree(13, shared: 4, prefix: "b"), 5)
        #expect(verifier().verify(consistency: other).first { $0.name == .consistency }?.passed == false)
        // An older checkpoint signed by a key outside the chain.
        let foreign = try file(t, 5, 13, oldSigner: stranger)
        #expect(verifier().verify(consistency: foreign).first { $0.name == .consistency }?.passed == false)
        // Pinned to a stranger: the chain step fails.
        #expect(Verdict(verifier(pins: [stranger.publicKey.bytes]).verify(consistency: try file(t, 5, 13))) == .failed)
    }

    /// Evidence over in-memory trees: what a gateway's database is to the monitor.
    struct TreeEvidence: LogEvidence {
        let name: String
        let tree: InMemoryNodes
        let notes: [String]
        func checkpointNotes() -> [String] { notes }
        func relate(_ old: TreeHead, _ new: TreeHead) throws -> LogRelation {
            guard new.size <= tree.size, try MerkleTree.root(size: new.size, nodes: tree).bytes == new.root else { return .unknown }
            let proof = try MerkleTree.consistencyProof(oldSize: old.size, newSize: new.size, nodes: tree)
            let prefix = try MerkleTree.root(size: old.size, nodes: tree).bytes
            return prefix == old.root ? .consistent([(old, new, proof)]) : .inconsistent(prefixRoot: prefix, proof: proof)
        }
    }

    func anchor(_ t: InMemoryNodes, _ size: UInt64, height: Int64, key k: [UInt8]? = nil) throws -> ObservedAnchor {
        ObservedAnchor(height: height, blockHash: "b\(height)", position: 1, txid: "tx-\(height)-\(size)",
                       payload: AnchorPayload(treeSize: size, rootHash: try MerkleTree.root(size: size, nodes: t).bytes,
                                              gatewayPublicKey: k ?? key.publicKey.bytes))
    }

    var monitor: AnchorMonitor { AnchorMonitor(chain: VerifiedKeyChain(keys: [key.publicKey.bytes]), origin: Self.origin, ed25519: Self.ed25519) }

    @Test func aLogThatOnlyGrewPassesAnchorByAnchor() throws {
        let a = Self.tree(20)
        let evidence = TreeEvidence(name: "a", tree: a, notes: try [4, 9, 9, 20].map { try note(a, $0) })
        // One anchored twice, one mined after a larger one, one of another key (ignored).
        let anchors = try [anchor(a, 4, height: 101), anchor(a, 9, height: 102), anchor(a, 9, height: 103), anchor(a, 20, height: 106),
                           anchor(a, 12, height: 107), anchor(a, 3, height: 108, key: stranger.publicKey.bytes)]
        let verdicts = try monitor.check(anchors, evidence: [evidence])
        #expect(verdicts.count == 5 && verdicts.allSatisfy { $0.kind == .ok }, "\(verdicts)")
    }

    @Test func oneSizeTwoRootsIsAForkNamingBothAnchors() throws {
        let a = Self.tree(12), b = Self.tree(12, shared: 6, prefix: "b")
        let evidence = [TreeEvidence(name: "a", tree: a, notes: try [6, 12].map { try note(a, $0) }),
                        TreeEvidence(name: "b", tree: b, notes: try [12].map { try note(b, $0) })]
        let first = try anchor(a, 12, height: 110), second = try anchor(b, 12, height: 111)
        let verdicts = try monitor.check([try anchor(a, 6, height: 105), first, second], evidence: evidence)
        let fork = try #require(verdicts.first { $0.anchor?.txid == second.txid })
        #expect(fork.kind == .fork && fork.other?.txid == first.txid, "\(verdicts)")
        #expect(verdicts.contains { $0.anchor == nil && $0.kind == .fork }, "two signed roots at size 12")
        // Without B's checkpoint it is still flagged: a conflict, not silence.
        let partial = try monitor.check([try anchor(a, 6, height: 105), first, second], evidence: [evidence[0]])
        #expect(partial.first { $0.anchor?.txid == second.txid }?.kind == .conflict)
    }

    @Test func aTreeThatIsNotAnExtensionOrShrinksIsCaught() throws {
        let a = Self.tree(16), b = Self.tree(16, shared: 5, prefix: "b")
        let evidence = [TreeEvidence(name: "a", tree: a, notes: try [8].map { try note(a, $0) }),
                        TreeEvidence(name: "b", tree: b, notes: try [11, 16].map { try note(b, $0) })]
        // B's tree at 11 is not A's at 8 extended: proven from B's evidence.
        let grewWrong = try monitor.check([try anchor(a, 8, height: 100), try anchor(b, 11, height: 101)], evidence: evidence)
        #expect(grewWrong.last?.kind == .fork, "\(grewWrong)")
        // A smaller tree after a larger one that does not prefix it.
        let shrank = try monitor.check([try anchor(b, 16, height: 100), try anchor(a, 8, height: 101)], evidence: evidence)
        #expect(shrank.last?.kind == .fork && shrank.last?.detail.contains("went down") == true, "\(shrank)")
        // No evidence for a step: unproven, not OK.
        let bare = try monitor.check([try anchor(a, 8, height: 100), try anchor(a, 16, height: 101)], evidence: [])
        #expect(bare.last?.kind == .unproven)
    }

    @Test func consistencyFilesProveStepsInChains() throws {
        let a = Self.tree(30)
        let files = ConsistencyFiles(name: "files", files: [try file(a, 5, 11), try file(a, 11, 30)])
        let verdicts = try monitor.check([try anchor(a, 5, height: 100), try anchor(a, 30, height: 101)], evidence: [files])
        #expect(verdicts.map(\.kind) == [.ok, .ok], "\(verdicts)")
        #expect(verdicts.last?.detail.contains("2 consistency proofs") == true)
        // A file whose proof was altered proves nothing.
        var bad = try file(a, 5, 30)
        bad.proof[0][0] ^= 1
        let unproven = try monitor.check([try anchor(a, 5, height: 100), try anchor(a, 30, height: 101)],
                                         evidence: [ConsistencyFiles(name: "bad", files: [bad])])
        #expect(unproven.last?.kind == .unproven)
    }
}
