import Foundation
import JSON

/// The Python interpreter of the FHIR test environment (`make fhir-venv`),
/// which holds the fhir.resources R4 models.
public func fhirPython() throws -> String {
    let path = repositoryRoot() + "/.venv-fhir/bin/python"
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw HarnessError("\(path) is missing: run `make fhir-venv` (make test does)")
    }
    return path
}

/// Tests/fhir/clinic_server.py on a free 127.0.0.1 port: a FHIR server that
/// applies transaction Bundles with conditional creates and keeps what it
/// created in a folder, so a stopped and restarted server (an outage)
/// remembers it. Stopped by PID.
public final class ClinicServer: @unchecked Sendable {
    public let port: UInt16
    public let store: String
    let arguments: [String]
    let logDirectory: TemporaryDirectory
    public private(set) var process: ChildProcess?
    private var starts = 0

    /// - Parameters:
    ///   - token: bearer token the server requires, if any.
    ///   - tls: certificate and key files (PEM) to serve HTTPS with.
    public init(token: String? = nil, tls: (cert: String, key: String)? = nil) throws {
        logDirectory = try TemporaryDirectory("vitalgate-clinic")
        store = logDirectory.file("store")
        port = try freeLoopbackPort()
        var args = [repositoryRoot() + "/Tests/fhir/clinic_server.py", "--port", String(port), "--store", store]
        if let token { args += ["--token", token] }
        if let tls { args += ["--cert", tls.cert, "--key", tls.key] }
        arguments = args
        try start()
    }

    public var url: String { "http://127.0.0.1:\(port)/fhir" }

    /// Starts the server (again) and waits until it accepts connections.
    public func start() throws {
        starts += 1
        let child = try ChildProcess(name: "clinic", executable: try fhirPython(), arguments: arguments,
                                     logPath: logDirectory.file("clinic-\(starts).log"))
        process = child
        try waitUntil(timeout: 20, "the clinic server on port \(port)") {
            guard child.isRunning else { throw HarnessError("clinic server exited: \(child.output())") }
            return loopbackPortAccepts(port)
        }
    }

    /// Stops the server by PID: the clinic is down until `start()`.
    public func stop() { process?.stop(grace: 5) }

    /// Makes the next transactions fail with `statuses`, in turn; with
    /// `commitFirst` each is committed before the failure is answered.
    public func failNext(_ statuses: [Int], commitFirst: Bool = false) throws {
        let control: JSONValue = ["fail": .array(statuses.map { .int($0) }), "commit_first": .bool(commitFirst)]
        let temporary = store + "/control.json.tmp"
        try control.serialized().write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, store + "/control.json") == 0 else { throw HarnessError("rename control.json: errno \(errno)") }
    }

    /// Every resource the server created, in creation order: (`Type/id`, resource).
    public func created() throws -> [(id: String, resource: JSONValue)] {
        try lines("created.jsonl").map { line in
            (line["id"]?.string ?? "", line["resource"] ?? .null)
        }
    }

    /// Every transaction received: number, answer status, entry count.
    public func requests() throws -> [(n: Int, status: Int, entries: Int)] {
        try lines("requests.jsonl").map {
            (Int($0["n"]?.int64 ?? 0), Int($0["status"]?.int64 ?? 0), Int($0["entries"]?.int64 ?? 0))
        }
    }

    /// The path of transaction `n` as received.
    public func bundlePath(_ n: Int) -> String { store + "/bundle-\(n).json" }

    func lines(_ name: String) throws -> [JSONValue] {
        let path = store + "/" + name
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // A line being written has no newline yet: only complete lines count.
        return try text.split(separator: "\n", omittingEmptySubsequences: true).dropLast(text.hasSuffix("\n") ? 0 : 1)
            .map { try JSONParser.parse(String($0)) }
    }

    public func output() -> String { (1...max(starts, 1)).map { (try? String(contentsOfFile: logDirectory.file("clinic-\($0).log"), encoding: .utf8)) ?? "" }.joined() }

    public func remove() {
        stop()
        logDirectory.remove()
    }

    deinit { stop() }
}

/// Tests/fhir/validate.py on `paths`: R4 structure (fhir.resources) and the
/// vital-signs profile rules. Status 0 when all are valid.
public func validateFHIR(_ paths: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try fhirPython())
    process.arguments = [repositoryRoot() + "/Tests/fhir/validate.py"] + paths
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
