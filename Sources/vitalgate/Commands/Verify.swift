import FileIO
import Codecs
import ArgumentParser
import Bitcoin
import JSON
import LedgerRPC
import ProofBundle
import Sodium
import VitalgateAgent

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a proof bundle (or a consistency proof) step by step.",
        discussion: """
        Without a ledger node the bundle is checked on its own: entry, leaf, inclusion proof, checkpoint \
        signature, key chain, anchor transaction and txout proof. With --ledger-url (several, comma-separated, \
        tried in turn) a node also confirms that the block is in its active chain with at least the recorded \
        confirmations. --consistency FILE (from `export --consistency OLD NEW`) also proves that the gateway's \
        log only grew from an older checkpoint to the bundle's. A file from `export --consistency` can be \
        verified on its own. Pin the gateway's key with --gateway-key: without it, authenticity rests on the key \
        inside the bundle.

        Exit status: 0 VERIFIED; 1 NOT VERIFIED (a step failed: forged, altered or mismatched evidence); \
        2 COULD NOT CHECK (an unreadable file, not a bundle, no ledger node could be asked). 64: wrong usage.
        """)

    @Argument(help: "The bundle or consistency file (- for stdin is not supported; write it to a file).") var file: String
    @Option(help: ArgumentHelp("The reading, for a bundle whose payload the gateway pruned: its leaf, or the FHIR Observation that carries it (docs/proof-bundle.md).", valueName: "file"))
    var reading: String?
    @OptionGroup var ledger: LedgerOptions
    @Option(name: .customLong("gateway-key"),
            help: ArgumentHelp("Trust only this gateway key: hex, a verifier key, or a file such as gateway.pub; repeatable.", valueName: "key"))
    var gatewayKeys: [String] = []
    @Option(name: .customLong("consistency"),
            help: ArgumentHelp("A consistency proof from an older checkpoint of the same gateway to this bundle's.", valueName: "file"))
    var consistencyFile: String?

    static let exitNotVerified: Int32 = 1
    static let exitCouldNotCheck: Int32 = 2

    func validate() throws {
        if ledger.url != nil && ledger.cookie == nil && ledger.user == nil {
            throw ValidationError("--ledger-url needs --ledger-cookie or --ledger-user/--ledger-password-file.")
        }
        for k in gatewayKeys { _ = try GatewayKeyArgument.parse(k) }
        do { _ = try ledger.endpoints() } catch let error as ValidationError { throw error } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let steps: [VerificationStep]
        let signer: [UInt8]?
        do {
            (steps, signer) = try check()
        } catch let failure as ReadingFileMismatch {
            // The reading file is not this bundle's reading: a verdict about the evidence.
            Console.out("FAIL  reading file: \(failure.reason)")
            Console.out("NOT VERIFIED: reading file failed")
            throw ExitCode(Self.exitNotVerified)
        } catch {
            // Nothing was decided about the evidence: say so, with its own exit status.
            Console.out("COULD NOT CHECK: \(error)")
            throw ExitCode(Self.exitCouldNotCheck)
        }
        for step in steps { Console.out(step.description) }
        switch Verdict(steps) {
        case .verified:
            Console.out("VERIFIED" + authenticity(signer) + (ledger.url == nil ? "; offline: give --ledger-url to check the block against a node" : ""))
        case .failed:
            let failed = steps.filter { !$0.passed && !$0.unchecked }.map(\.name.rawValue)
            Console.out("NOT VERIFIED: \(failed.joined(separator: "; ")) failed")
            throw ExitCode(Self.exitNotVerified)
        case .couldNotCheck:
            let unchecked = steps.filter(\.unchecked).map(\.name.rawValue)
            Console.out("COULD NOT CHECK: \(unchecked.joined(separator: "; ")) (every other step passed)")
            throw ExitCode(Self.exitCouldNotCheck)
        }
    }

    /// The verdict's words on who signed.
    func authenticity(_ signer: [UInt8]?) -> String {
        guard let signer, signer.count == 32 else { return "" }
        let fingerprint = Hex.encode(AnchorPayload.keyFingerprint(of: signer))
        if gatewayKeys.isEmpty {
            return " — but NOT PINNED: authenticity rests on the key in the bundle (fingerprint \(fingerprint), key \(Hex.encode(signer))), "
                + "not on a key you trust; give the gateway's provisioned key with --gateway-key"
        }
        return ": signed by the key with fingerprint \(fingerprint), in the key chain from a pinned key"
    }

    /// The steps, and the key that signed the (newer) checkpoint.
    func check() throws -> ([VerificationStep], [UInt8]?) {
        var json = try JSONParser.parse(try Files.read(file))
        if let reading {
            // A pruned bundle gets its reading back from the file (its leaf must hash to the
            // bundle's leaf hash); a full bundle must carry the very same leaf.
            let bytes = try Files.read(reading)
            do {
                let leaf = try ReadingFile.leaf(from: bytes)
                if PrunedBundle.isPruned(json) {
                    json = try PrunedBundle.completing(json, leaf: leaf)
                } else if json["leaf"]?.string.flatMap(Hex.decode) != leaf {
                    throw ReadingFileMismatch(reason: "the reading file is not the reading this bundle carries")
                }
            } catch let error as ProofBundle.FormatError {
                throw ReadingFileMismatch(reason: error.description)
            }
        } else if PrunedBundle.isPruned(json) {
            throw CLIError("this bundle carries no reading: the gateway pruned its payload (docs/storage.md); give the reading with `--reading FILE` (its leaf, or the clinic's FHIR Observation)")
        }
        let older = try consistencyFile.map { try ConsistencyBundle(json: JSONParser.parse(try Files.read($0))) }
        try Sodium.initialize()
        let endpoints = try ledger.endpoints()
        let verifier = BundleVerifier(
            ed25519: { key, message, signature in
                Ed25519PublicKey(bytes: key)?.isValidSignature(signature, for: message) ?? false
            },
            trustedKeys: gatewayKeys.isEmpty ? nil : try gatewayKeys.map(GatewayKeyArgument.parse),
            ledger: endpoints.isEmpty ? nil : NodeView(endpoints: endpoints),
            consistency: older)
        if json["format"]?.string == ConsistencyBundle.format {
            guard older == nil else { throw CLIError("--consistency goes with a proof bundle, not with another consistency file") }
            let c = try ConsistencyBundle(json: json)
            return (verifier.verify(consistency: c), c.gatewayPublicKey)
        }
        guard json.object != nil, json["format"]?.string?.hasPrefix("vitalgate-proof-bundle/") == true else {
            throw CLIError("\(file) is not a Vitalgate proof bundle or consistency proof (no `format` of either)")
        }
        let steps = verifier.verify(json: json)
        return (steps, (try? ProofBundle(json: json))?.gatewayPublicKey)
    }
}

/// The reading file given to `verify --reading` is not the bundle's reading.
struct ReadingFileMismatch: Error {
    let reason: String
}

/// The ledger nodes as the verifier sees them: tried in turn until one answers.
struct NodeView: LedgerView {
    let endpoints: [LedgerEndpoint]

    func block(hash: String) throws -> (height: Int64, confirmations: Int64)? {
        var failures: [String] = []
        var unknown = false
        for endpoint in endpoints {
            do {
                return try BitcoinRPC(endpoint: endpoint).blockHeader(hash)
            } catch .rpc(let code, _) where code == RPCErrorCode.invalidAddressOrKey {
                unknown = true  // this node does not have the block; another may
            } catch {
                failures.append("\(endpoint.url): \(error)")
            }
        }
        if unknown { return nil }
        throw NoNodeAnswered(failures: failures)
    }
}

struct NoNodeAnswered: Error, CustomStringConvertible {
    let failures: [String]
    var description: String { failures.joined(separator: "; ") }
}
