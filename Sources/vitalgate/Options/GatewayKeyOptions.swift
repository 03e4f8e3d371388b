import ArgumentParser
import JSON
import SignedNote
import VitalgateAgent

/// `--gateway-key`: a gateway public key to trust, as 64 hex digits, a C2SP
/// verifier key (`vitalgate/<id>+<keyid>+<base64>`), or a file holding
/// either on its first line (such as the gateway's `gateway.pub`).
enum GatewayKeyArgument {
    static func parse(_ text: String) throws -> [UInt8] {
        if let key = Hex.decode(text), key.count == 32 { return key }
        if let (_, key) = try? Ed25519NoteKey.parseVerifierKey(text) { return key }
        guard Files.exists(text) else {
            throw ValidationError("--gateway-key \(text) is neither 32 bytes of hex, a verifier key, nor a file")
        }
        let first = try Files.readText(text).split(separator: "\n").first.map(String.init) ?? ""
        if let key = Hex.decode(first.trimmingBlanks()), key.count == 32 { return key }
        if let (_, key) = try? Ed25519NoteKey.parseVerifierKey(first.trimmingBlanks()) { return key }
        throw ValidationError("--gateway-key \(text): its first line is not a public key (hex) or a verifier key")
    }
}
