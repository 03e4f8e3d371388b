import SQLiteStore
import Sodium

/// A broker login: user name and its mosquitto password-file line (a
/// salted PBKDF2-SHA512 hash; the password itself is never stored).
public struct BrokerAccount: Sendable {
    public let user: String
    public let line: String

    /// The agent's own broker user, created at provisioning.
    public static let agentUser = "vitalgate-agent"

    /// A new account with a fresh random password (`DevicePassword`), and
    /// that password, which the caller shows or stores once.
    public static func issue(user: String) -> (account: BrokerAccount, password: String) {
        let password = DevicePassword.generate()
        return (BrokerAccount(user: user, line: MosquittoPassword.hashLine(username: user, password: password)), password)
    }

    /// The agent's account from `meta`, if provisioning created one.
    static func agent(_ db: Database) throws -> BrokerAccount? {
        guard let user = try db.meta("broker_agent_user"), let line = try db.meta("broker_agent_line") else { return nil }
        return BrokerAccount(user: user, line: line)
    }

    /// Stores the agent's account in `meta`.
    public static func setAgent(_ account: BrokerAccount, in db: Database) throws {
        try db.setMeta("broker_agent_user", account.user)
        try db.setMeta("broker_agent_line", account.line)
    }
}
