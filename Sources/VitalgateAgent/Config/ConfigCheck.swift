#if canImport(Glibc)
import Glibc
#endif

/// `vitalgate config check`: everything the agent would refuse at start,
/// found without starting it, plus the files the settings name.
public enum ConfigCheck {
    public struct Finding: Sendable, CustomStringConvertible {
        public let problem: Bool
        public let text: String
        public var description: String { (problem ? "error: " : "note: ") + text }
    }

    public static func run(home: GatewayHome, file: ConfigFile, environment: [String: String]) -> [Finding] {
        var findings = Setting.problems(environment: environment, file: file).map { Finding(problem: true, text: $0) }
        if findings.isEmpty {
            // Settings that depend on each other, and the credentials, as the agent resolves them.
            do { _ = try AgentConfig(home: home, file: file, overrides: [:], environment: environment) } catch {
                findings.append(Finding(problem: true, text: "\(error)"))
            }
        }
        func value(_ key: String) -> (String, Setting.Source)? { Setting.resolveWithSource(key, environment: environment, file: file) }
        // Files read at start (or at each connection) must be there and readable by this user.
        for key in ["mqtt_password_file", "passphrase_file", "ledger_password_file", "clinic_token_file", "clinic_ca_file"] {
            guard let (path, source) = value(key), path.hasPrefix("/") else { continue }
            if access(path, R_OK) != 0 {
                findings.append(Finding(problem: true, text: "\(key) = \(path) (\(source)): cannot read it: \(String(cString: strerror(errno)))"))
            }
        }
        if let (cookies, source) = value("ledger_cookie") {
            for path in cookies.split(separator: ",").map({ String($0).trimmingSpaces() }) where access(path, R_OK) != 0 {
                // A node writes its cookie at each start and deletes it when it stops.
                findings.append(Finding(problem: false, text: "ledger_cookie \(path) (\(source)) cannot be read now (\(String(cString: strerror(errno)))): fine if that node is stopped, wrong otherwise"))
            }
        }
        if let (dir, source) = value("metrics_textfile_dir"), access(dir, W_OK | X_OK) != 0 {
            findings.append(Finding(problem: true, text: "metrics_textfile_dir = \(dir) (\(source)): this user cannot write there: \(String(cString: strerror(errno)))"))
        }
        if let (_, source) = value("ledger_password"), case .file = source {
            findings.append(Finding(problem: false, text: "ledger_password is set in \(source): prefer ledger_password_file (or ledger_cookie) so the config file holds no secret"))
        }
        return findings
    }
}
