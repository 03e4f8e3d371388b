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
            throw ValidationError("Give --ledger-cookie or --ledger-user/--ledger-password, not both.")
        }
    }

    /// The credentials given: the cookie file, else user and password; nil if neither.
    var auth: LedgerAuth? {
        if let cookie { return .cookieFile(cookie) }
        if let user, let passwordFile, let password = try? readSecretLine(passwordFile) { return .userPassword(user, password) }
        return nil
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
