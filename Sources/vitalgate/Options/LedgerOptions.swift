import ArgumentParser
import LedgerRPC
import VitalgateAgent

/// How to reach a ledger node's JSON-RPC; shared by `run` and `verify`.
struct LedgerOptions: ParsableArguments {
    @Option(name: .customLong("ledger-url"), help: ArgumentHelp("Ledger node JSON-RPC URL(s), comma-separated for failover.", valueName: "url"))
    var url: String?

    @Option(name: .customLong("ledger-wallet"), help: ArgumentHelp("Wallet that pays for anchors.", valueName: "name"))
    var wallet: String?

    @Option(name: .customLong("ledger-cookie"), help: ArgumentHelp("The node's .cookie file.", valueName: "file"))
    var cookie: String?

    @Option(name: .customLong("ledger-user"), help: ArgumentHelp("RPC user (with --ledger-password-file).", valueName: "user"))
    var user: String?

    @Option(name: .customLong("ledger-password-file"), help: ArgumentHelp("File holding the RPC password (with --ledger-user).", valueName: "file"))
    var passwordFile: String?

    /// Refused: a password on the command line is visible to every user in `ps`.
    @Option(name: .customLong("ledger-password"), help: .hidden)
    var password: String?

    func validate() throws {
        if password != nil {
            throw ValidationError("--ledger-password would show the password to every user of this machine (ps, /proc): put it in a file only the service user can read and pass --ledger-password-file FILE (or set ledger_password_file).")
        }
        if (user == nil) != (passwordFile == nil) {
            throw ValidationError("--ledger-user and --ledger-password-file go together.")
        }
        if let passwordFile {
            do { _ = try readSecretLine(passwordFile) } catch { throw ValidationError("--ledger-password-file: \(error)") }
        }
        if cookie != nil && user != nil {
            throw ValidationError("Give --ledger-cookie or --ledger-user/--ledger-password-file, not both.")
        }
    }

    /// The credentials given: the cookie file, else user and password; nil if neither.
    var auth: LedgerAuth? {
        if let cookie { return .cookieFile(cookie) }
        if let user, let passwordFile, let password = try? readSecretLine(passwordFile) { return .userPassword(user, password) }
        return nil
    }

    /// The endpoints given: `--ledger-url` split at commas, each with the one
    /// cookie, or its own (one per URL, in order), or the user and password:
    /// the same rules as the `ledger_url` setting of `run`.
    func endpoints(wallet: String? = nil) throws -> [LedgerEndpoint] {
        guard let url else { return [] }
        let urls = url.split(separator: ",").map { String($0).trimmingBlanks() }.filter { !$0.isEmpty }
        guard !urls.isEmpty else { throw ValidationError("--ledger-url is empty") }
        let auths: [LedgerAuth]
        if let cookie {
            let cookies = cookie.split(separator: ",").map { String($0).trimmingBlanks() }
            guard cookies.count == 1 || cookies.count == urls.count else {
                throw ValidationError("--ledger-cookie names \(cookies.count) files for \(urls.count) ledger URLs: give one, or one per URL")
            }
            auths = urls.indices.map { .cookieFile(cookies[cookies.count == 1 ? 0 : $0]) }
        } else if let user, let passwordFile {
            let password = try readSecretLine(passwordFile)
            auths = urls.map { _ in .userPassword(user, password) }
        } else {
            throw ValidationError("--ledger-url needs --ledger-cookie or --ledger-user/--ledger-password-file.")
        }
        return try urls.indices.map { try LedgerEndpoint(url: urls[$0], wallet: wallet, auth: auths[$0]) }
    }

    /// The values given, by config key.
    var overrides: [String: String] {
        var o: [String: String] = [:]
        o["ledger_url"] = url
        o["ledger_wallet"] = wallet
        o["ledger_cookie"] = cookie
        o["ledger_user"] = user
        o["ledger_password_file"] = passwordFile
        return o
    }
}

extension String {
    /// Without leading and trailing spaces.
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
