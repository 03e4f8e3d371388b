import ArgumentParser
import LedgerRPC

/// How to reach a ledger node's JSON-RPC; shared by `run` and `verify`.
struct LedgerOptions: ParsableArguments {
    @Option(name: .customLong("ledger-url"), help: ArgumentHelp("Ledger node JSON-RPC URL(s), comma-separated for failover.", valueName: "url"))
    var url: String?

    @Option(name: .customLong("ledger-wallet"), help: ArgumentHelp("Wallet that pays for anchors.", valueName: "name"))
    var wallet: String?

    @Option(name: .customLong("ledger-cookie"), help: ArgumentHelp("The node's .cookie file.", valueName: "file"))
    var cookie: String?

    @Option(name: .customLong("ledger-user"), help: ArgumentHelp("RPC user (with --ledger-password).", valueName: "user"))
    var user: String?

    @Option(name: .customLong("ledger-password"), help: ArgumentHelp("RPC password (with --ledger-user).", valueName: "password"))
    var password: String?

    func validate() throws {
        if (user == nil) != (password == nil) {
            throw ValidationError("--ledger-user and --ledger-password go together.")
        }
        if cookie != nil && user != nil {
            throw ValidationError("Give --ledger-cookie or --ledger-user/--ledger-password, not both.")
        }
    }

    /// The credentials given: the cookie file, else user and password; nil if neither.
    var auth: LedgerAuth? {
        if let cookie { return .cookieFile(cookie) }
        if let user, let password { return .userPassword(user, password) }
        return nil
    }

    /// The values given, by config key.
    var overrides: [String: String] {
        var o: [String: String] = [:]
        o["ledger_url"] = url
        o["ledger_wallet"] = wallet
        o["ledger_cookie"] = cookie
        o["ledger_user"] = user
        o["ledger_password"] = password
        return o
    }
}
