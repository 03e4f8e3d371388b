import FileIO
import Codecs
import JSON
import SignedNote

extension GatewayHome {
    /// Writes `gateway.pub`: the raw public key in hex, then its C2SP verifier
    /// key `vitalgate/<id>+<keyid>+<base64>` (what `verify --gateway-key` and
    /// note verifiers take). Replaced atomically.
    public func writePublicKey(_ publicKey: [UInt8], gatewayID: String) throws {
        let vkey = Ed25519NoteKey.verifierKey(name: Self.origin(gatewayID: gatewayID), publicKey: publicKey)
        try Files.replace(Array("\(Hex.encode(publicKey))\n\(vkey)\n".utf8), at: publicKeyFile, mode: 0o644)
    }
}
