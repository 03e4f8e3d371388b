import FileIO
import Sodium
import VitalgateAgent

/// The broker side of provisioning.
enum BrokerSetup {
    /// Creates `<home>/broker/` (0750) and the agent's broker account: a
    /// random password written to `<home>/broker/agent.password` (0600, read
    /// by the agent through `mqtt_password_file`), and its hash line for the
    /// broker's password file.
    static func createAgentAccount(_ home: GatewayHome, overwrite: Bool) throws -> BrokerAccount {
        try Files.makeDirectory(home.brokerDirectory, mode: 0o750)
        let (account, password) = BrokerAccount.issue(user: BrokerAccount.agentUser)
        var secret = Array((password + "\n").utf8)
        defer { sodiumZero(&secret) }
        try Files.write(secret, to: home.brokerDirectory + "/agent.password", mode: 0o600, overwrite: overwrite)
        return account
    }
}
