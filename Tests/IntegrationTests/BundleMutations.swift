import JSON
import ProofBundle
import Sodium
import Vitals

/// Mutation probes on a valid bundle: every single-byte change to its data
/// (leaf, salt, each inclusion hash, checkpoint note, gateway key, txid, block
/// hash, raw transaction, txout proof), to each reading field and to the leaf
/// version must make verification fail. Returns the mutations that did not.
enum BundleMutations {
    /// The probe harness both probes share: `probes` calls `check(name, mutation)`
    /// for each mutation; returns the names of those after which `original`
    /// still verifies (none should).
    static func survivors(of original: ProofBundle,
                          _ probes: (_ check: (String, (inout ProofBundle) -> Void) -> Void) -> Void) throws -> [String] {
        try Sodium.initialize()
        let verifier = BundleVerifier(ed25519: { key, message, signature in
            Ed25519PublicKey(bytes: key)?.isValidSignature(signature, for: message) ?? false
        })
        precondition(verifier.verify(original).allSatisfy(\.passed), "the original bundle must verify")
        var survivors: [String] = []
        probes { name, mutate in
            var b = original
            mutate(&b)
            if verifier.verify(b).allSatisfy(\.passed) { survivors.append(name) }
        }
        return survivors
    }

    static func probe(_ original: ProofBundle) throws -> [String] {
        try survivors(of: original) { check in
            for i in original.leaf.indices { check("leaf[\(i)]") { $0.leaf[i] ^= 0x01 } }
            if let salt = original.salt {
                for i in salt.indices { check("salt[\(i)]") { $0.salt![i] ^= 0x01 } }
                check("salt dropped (leaf version 1)") { $0.salt = nil }
            } else {
                check("salt added (leaf version 2)") { $0.salt = [UInt8](repeating: 0, count: ReadingLeaf.saltByteCount) }
            }
            for (h, hash) in original.inclusion.enumerated() {
                for i in hash.indices { check("inclusion[\(h)][\(i)]") { $0.inclusion[h][i] ^= 0x80 } }
            }
            check("inclusion truncated") { $0.inclusion.removeLast() }
            check("inclusion extended") { $0.inclusion.append($0.inclusion[0]) }
            check("leaf_index+1") { $0.leafIndex += 1 }
            check("tree_size+1") { $0.treeSize += 1 }
            let note = Array(original.checkpoint.utf8)
            for i in note.indices {
                check("checkpoint[\(i)]") {
                    var bytes = note
                    bytes[i] = bytes[i] == 0x41 ? 0x42 : 0x41
                    $0.checkpoint = String(decoding: bytes, as: UTF8.self)
                }
            }
            for i in original.gatewayPublicKey.indices { check("gateway_public_key[\(i)]") { $0.gatewayPublicKey[i] ^= 0x01 } }
            for i in original.anchor.rawTx.indices { check("raw_tx[\(i)]") { $0.anchor.rawTx[i] ^= 0x01 } }
            for i in original.anchor.txoutProof.indices { check("txout_proof[\(i)]") { $0.anchor.txoutProof[i] ^= 0x01 } }
            check("txid") { $0.anchor.txid = flipHex($0.anchor.txid) }
            check("block_hash") { $0.anchor.blockHash = flipHex($0.anchor.blockHash) }
            check("reading.seq") { $0.reading = Reading(copying: $0.reading, seq: $0.reading.seq + 1) }
            check("reading.ts") { $0.reading = Reading(copying: $0.reading, ts: $0.reading.ts + 1) }
            check("reading.metric") { $0.reading = Reading(copying: $0.reading, bumpFirstMetric: true) }
            check("reading.device") { $0.reading = Reading(copying: $0.reading, device: $0.reading.device + "x") }
        }
    }

    static func flipHex(_ s: String) -> String {
        var c = Array(s)
        c[0] = c[0] == "0" ? "1" : "0"
        return String(c)
    }
}

extension Reading {
    /// A copy with one field changed.
    init(copying r: Reading, device: String? = nil, seq: UInt64? = nil, ts: Int64? = nil, bumpFirstMetric: Bool = false) {
        var metrics = r.metrics
        if bumpFirstMetric {
            let m = metrics[0].value
            metrics[0].value = ExactDecimal(mantissa: m.mantissa + 1, exponent: m.exponent)
        }
        self.init(device: device ?? r.device, boot: r.boot, seq: seq ?? r.seq, ts: ts ?? r.ts, metrics: metrics)
    }
}
