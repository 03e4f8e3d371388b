/// The broker's ACL file (mosquitto.conf(5), `acl_file`). Anything not
/// granted is denied; with MQTT 3.1.1 the broker acknowledges a denied
/// publish and drops it, so a device cannot even tell.
enum BrokerACL {
    static func render(agentUser: String?, devices: [String]) -> String {
        var text = """
            # Written by vitalgate from its database at each `device add` / `device revoke`;
            # edits here are lost. A device may publish only its own readings and read only
            # its own acknowledgements; only the agent reads readings and writes acks.

            """
        if let agentUser {
            text += "\nuser \(agentUser)\ntopic read vitals/+\ntopic write vitals/+/ack\n"
        }
        for id in devices {
            text += "\nuser \(id)\ntopic write vitals/\(id)\ntopic read vitals/\(id)/ack\n"
        }
        return text
    }
}
