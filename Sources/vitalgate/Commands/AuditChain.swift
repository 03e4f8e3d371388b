import ArgumentParser
import JSON
import LedgerRPC
import ProofBundle
import SignedNote
import Sodium
import VitalgateAgent

struct AuditChain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Monitor: scan the chain for the gateway's anchors and check that its log never forked.",
        discussion: """
        Finds every anchor whose key fingerprint is one of the gateway's (from the pinned key on) in the blocks \
        from --from-height to the tip, then checks, with the gateway's signed checkpoints and consistency proofs \
        (--home: a copy of its database, read only, no key needed; --proofs: a folder of `export --consistency` \
        files; both repeatable), that every anchored root is consistent with every later one: no two anchors of \
        one size with different roots, no size going down, every step proven (RFC 9162 2.1.4). One verdict per \
        anchor (docs/audit.md).

        Exit status: 0 every anchor consistent; 1 a fork or a conflicting anchor; 2 could not check (no node \
        answered, or a step has no proof in the evidence given). 64: wrong usage.
        """)

    @Option(name: .customLong("gateway-key"),
            help: ArgumentHelp("The gateway's provisioned (or a later) public key: hex, a verifier key, or a file such as gateway.pub.", valueName: "key"))
    var gatewayKey: String
    @OptionGroup var ledger: LedgerOptions
    @Option(name: .customLong("from-height"), help: ArgumentHelp("First block to scan (default 0).", valueName: "height")) var fromHeight: Int64 = 0
    @Option(name: .customLong("home"), help: ArgumentHelp("A gateway home whose database is evidence (read only); repeatable.", valueName: "dir"))
    var homes: [String] = []
    @Option(name: .customLong("proofs"), help: ArgumentHelp("A folder of consistency files (export --consistency); repeatable.", valueName: "dir"))
    var proofs: [String] = []

    func validate() throws {
        guard ledger.url != nil else { throw ValidationError("--ledger-url is required: the monitor reads the chain") }
        _ = try GatewayKeyArgument.parse(gatewayKey)
        do { _ = try ledger.endpoints() } catch let error as ValidationError { throw error } catch { throw ValidationError("\(error)") }
        guard fromHeight >= 0 else { throw ValidationError("--from-height must be 0 or more") }
    }

    func run() throws {
        let verdicts: [MonitorVerdict]
        let scanned: String
        do {
            (verdicts, scanned) = try check()
        } catch {
            Console.out("COULD NOT CHECK: \(error)")
            throw ExitCode(2)
        }
        for verdict in verdicts { Console.out(verdict.description) }
        let forks = verdicts.filter { $0.kind == .fork || $0.kind == .conflict }
        let unproven = verdicts.filter { $0.kind == .unproven }
        let anchors = verdicts.filter { $0.anchor != nil }.count
        if !forks.isEmpty {
            let onAnchors = forks.filter { $0.anchor != nil }.count
            let signed = forks.count - onAnchors
            Console.out("FORKED: \(onAnchors) of \(anchors) anchors contradict the gateway's history"
                + (signed > 0 ? ", and its key signed different roots at \(signed) tree size\(signed == 1 ? "" : "s")" : "") + " (\(scanned))")
            throw ExitCode(1)
        }
        if !unproven.isEmpty {
            Console.out("COULD NOT CHECK: \(unproven.count) of \(anchors) anchors have no consistency proof in the evidence (\(scanned))")
            throw ExitCode(2)
        }
        Console.out("CONSISTENT: \(anchors) anchor\(anchors == 1 ? "" : "s"), the log only grew (\(scanned))")
    }

    func check() throws -> ([MonitorVerdict], String) {
        try Sodium.initialize()
        let pinned = try GatewayKeyArgument.parse(gatewayKey)
        let ed25519: BundleVerifier.Ed25519Verify = { key, message, signature in
            Ed25519PublicKey(bytes: key)?.isValidSignature(signature, for: message) ?? false
        }
        // Evidence: databases (read only) and folders of consistency files.
        var evidence: [any LogEvidence] = []
        var chains: [[KeyChainLink]] = []
        var origins: Set<String> = []
        for path in homes {
            let home = GatewayHome(path: path)
            let db = try GatewayDatabase.open(home, readOnly: true)
            evidence.append(DatabaseEvidence(name: home.database, db: db))
            chains.append(try KeyRotationTable(db).links())
            if let id = try db.meta("gateway_id") { origins.insert(GatewayHome.origin(gatewayID: id)) }
        }
        for folder in proofs {
            var files: [ConsistencyBundle] = []
            for name in try Files.list(folder) where name.hasSuffix(".json") {
                guard let file = try? ConsistencyBundle(json: JSONParser.parse(try Files.read("\(folder)/\(name)"))) else { continue }
                files.append(file)
                chains.append(file.keyChain)
                if let origin = try? Checkpoint(body: SignedNote(parsing: file.newCheckpoint).text).origin { origins.insert(origin) }
            }
            guard !files.isEmpty else { throw CLIError("\(folder) holds no consistency file (export --consistency OLD NEW)") }
            evidence.append(ConsistencyFiles(name: folder, files: files))
        }
        guard origins.count <= 1 else { throw CLIError("the evidence is from more than one gateway: \(origins.sorted().joined(separator: ", "))") }
        // The key chain from the pinned key on: the longest chain the evidence holds, checked.
        let links = chains.max { $0.count < $1.count } ?? []
        guard case .success(let walked) = VerifiedKeyChain.walk(links, origin: origins.first, lastKey: pinned, ed25519: ed25519),
              let position = walked.keys.firstIndex(of: pinned) else {
            throw CLIError("the pinned key \(Hex.encode(pinned)) is not in the gateway's key chain as the evidence gives it")
        }
        let chain = VerifiedKeyChain(keys: Array(walked.keys[position...]))
        let monitor = AnchorMonitor(chain: chain, origin: origins.first ?? "", ed25519: ed25519)
        let scan = try LedgerScan.anchors(endpoints: try ledger.endpoints(), fingerprints: monitor.fingerprints, from: fromHeight)
        let verdicts = try monitor.check(scan.anchors, evidence: evidence)
        return (verdicts, "blocks \(fromHeight)...\(scan.tip) of \(scan.endpoint), \(chain.keys.count) key\(chain.keys.count == 1 ? "" : "s")")
    }
}
