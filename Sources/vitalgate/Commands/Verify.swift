import ArgumentParser
import JSON
import LedgerRPC
import ProofBundle
import Sodium
import VitalgateAgent

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a proof bundle step by step; exits non-zero if any step fails.",
        discussion: """
        Without a ledger node the bundle is checked on its own: reading, leaf, inclusion proof, \
        checkpoint signature, anchor transaction and txout proof. With --ledger-url the node also \
        confirms that the block is in its active chain with at least the recorded confirmations.
        """)

    @Argument(help: "The bundle file (- for stdin is not supported; write it to a file).") var file: String
    @Option(help: ArgumentHelp("The reading, for a bundle whose payload the gateway pruned: its leaf, or the FHIR Observation that carries it (docs/proof-bundle.md).", valueName: "file"))
    var reading: String?
    @OptionGroup var ledger: LedgerOptions
    @Option(name: .customLong("gateway-key"), help: ArgumentHelp("Accept only this gateway public key (hex); repeatable.", valueName: "hex"))
    var gatewayKeys: [String] = []

    func validate() throws {
        if ledger.url != nil && ledger.cookie == nil && ledger.user == nil {
            throw ValidationError("--ledger-url needs --ledger-cookie or --ledger-user/--ledger-password.")
        }
        for k in gatewayKeys where Hex.decode(k)?.count != 32 {
            throw ValidationError("--gateway-key \(k) is not 32 bytes of hex")
        }
    }

    func run() throws {
        var json = try JSONParser.parse(try Files.read(file))
        if let reading {
            // A pruned bundle gets its reading back from the file (its leaf must hash to the
            // bundle's leaf hash); a full bundle must carry the very same leaf.
            let failure: String?
            do {
                let leaf = try ReadingFile.leaf(from: try Files.read(reading))
                if PrunedBundle.isPruned(json) {
                    json = try PrunedBundle.completing(json, leaf: leaf)
                    failure = nil
                } else {
                    failure = json["leaf"]?.string.flatMap(Hex.decode) == leaf ? nil : "the reading file is not the reading this bundle carries"
                }
            } catch {
                failure = "\(error)"
            }
            if let failure {
                Console.out("FAIL  reading file: \(failure)")
                Console.out("NOT VERIFIED")
                throw ExitCode(1)
            }
        }
        try Sodium.initialize()
        var view: (any LedgerView)?
        if let url = ledger.url {
            let auth = ledger.auth!
            view = NodeView(rpc: BitcoinRPC(endpoint: try LedgerEndpoint(url: url, wallet: nil, auth: auth)))
        }
        let verifier = BundleVerifier(
            ed25519: { key, message, signature in
                Ed25519PublicKey(bytes: key)?.isValidSignature(signature, for: message) ?? false
            },
            trustedKeys: gatewayKeys.isEmpty ? nil : gatewayKeys.compactMap { Hex.decode($0) },
            ledger: view)
        let steps = verifier.verify(json: json)
        for step in steps { Console.out(step.description) }
        if steps.allSatisfy(\.passed) {
            Console.out("VERIFIED" + (view == nil ? " (offline: give --ledger-url to check the chain)" : ""))
        } else {
            Console.out("NOT VERIFIED")
            throw ExitCode(1)
        }
    }
}

/// The ledger node as the verifier sees it.
struct NodeView: LedgerView {
    let rpc: BitcoinRPC
    func block(hash: String) throws -> (height: Int64, confirmations: Int64) {
        try rpc.blockHeader(hash)
    }
}
