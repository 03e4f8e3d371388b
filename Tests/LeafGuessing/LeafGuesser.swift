import CSodium
import Vitals

/// The attacker of the salted-leaf tests (issue 11): given a leaf's known
/// fields (device, boot, seq, ts: in the clear in the database, or a
/// neighbour's guessable identity) and the device's public profile, it tries
/// every reading the device could have sent, encoded as docs/encoding.md
/// describes version 1 leaves, and looks each RFC 9162 leaf hash,
/// SHA-256(0x00 || leaf), up among the hashes it holds.
///
/// Written from the document, not with the product's encoder, and hashing
/// with libsodium rather than the SHA2 module, so that it is an outside view;
/// built optimized (Package.swift) because the space is large: a blood
/// pressure cuff's reading is 261 × 181 × 282 ≈ 13.3 million guesses.
public enum LeafGuesser {
    /// A 32-byte hash as a set element.
    public struct Digest: Hashable, Sendable {
        let words: (UInt64, UInt64, UInt64, UInt64)
        public init?(_ bytes: [UInt8]) {
            guard bytes.count == 32 else { return nil }
            func word(_ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 << 8 | UInt64(bytes[i * 8 + $1]) } }
            words = (word(0), word(1), word(2), word(3))
        }
        public static func == (a: Digest, b: Digest) -> Bool { a.words == b.words }
        public func hash(into h: inout Hasher) { h.combine(words.0); h.combine(words.1); h.combine(words.2); h.combine(words.3) }
    }

    /// What an attacker knows of a reading without its values.
    public struct Identity: Sendable, Hashable {
        public let device: String, boot: UInt32, seq: UInt64, ts: Int64
        public init(device: String, boot: UInt32, seq: UInt64, ts: Int64) {
            (self.device, self.boot, self.seq, self.ts) = (device, boot, seq, ts)
        }
    }

    /// A guess that hit: whose identity, which leaf text, which hash.
    public struct Hit: Sendable, Equatable {
        public let identity: Identity
        public let leaf: String
        public let hash: Digest
    }

    /// The plausible values of one metric as leaf text: every integer of its
    /// range, in tenths for body temperature (`Cel`), the resolution devices report.
    static func values(_ spec: MetricSpec) -> [[UInt8]] {
        let tenths = spec.unit == "Cel"
        let scale = tenths ? 10.0 : 1.0
        let low = Int((Double(spec.min.description)! * scale).rounded()), high = Int((Double(spec.max.description)! * scale).rounded())
        return (low...high).map { n in
            guard tenths, n % 10 != 0 else { return Array(String(tenths ? n / 10 : n).utf8) }
            return Array("\(n / 10).\(abs(n % 10))".utf8)
        }
    }

    /// How many guesses `search` makes for one identity of `profile`.
    public static func guesses(_ profile: DeviceProfile) -> Int {
        profile.metrics.reduce(1) { $0 * (values($1).count + ($1.required ? 0 : 1)) }
    }

    /// Tries every reading of `profile` with `identity`'s fields; the guesses
    /// whose leaf hash is in `targets`.
    public static func search(_ identity: Identity, _ profile: DeviceProfile, targets: Set<Digest>) -> [Hit] {
        _ = sodium_init()
        let optional = profile.metrics.filter { !$0.required }
        var hits: [Hit] = []
        for mask in 0..<(1 << optional.count) {
            let chosen = profile.metrics.filter { spec in
                spec.required || optional.firstIndex(of: spec).map { mask & (1 << $0) != 0 } == true
            }
            hits += search(identity, chosen, targets)
        }
        return hits
    }

    /// One set of metrics present: the leaf's constant pieces around the values, then an odometer over them.
    static func search(_ identity: Identity, _ metrics: [MetricSpec], _ targets: Set<Digest>) -> [Hit] {
        // docs/encoding.md: one flat object, keys sorted bytewise, no whitespace.
        var members: [(key: String, text: [UInt8]?)] = [
            ("boot", Array(String(identity.boot).utf8)), ("device", Array("\"\(identity.device)\"".utf8)),
            ("seq", Array(String(identity.seq).utf8)), ("ts", Array(String(identity.ts).utf8)),
        ]
        members += metrics.map { ($0.key, nil) }
        members.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        let variable = members.compactMap { m in m.text == nil ? metrics.first { $0.key == m.key } : nil }.map(values)
        var segments: [[UInt8]] = [[0x00, UInt8(ascii: "{")]]
        for (i, m) in members.enumerated() {
            segments[segments.count - 1] += Array("\(i == 0 ? "" : ",")\"\(m.key)\":".utf8)
            if let text = m.text { segments[segments.count - 1] += text } else { segments.append([]) }
        }
        segments[segments.count - 1].append(UInt8(ascii: "}"))

        var buffer = [UInt8](repeating: 0, count: 512)
        var digest = [UInt8](repeating: 0, count: 32)
        var odometer = [Int](repeating: 0, count: variable.count)
        var hits: [Hit] = []
        while true {
            var n = 0
            buffer.withUnsafeMutableBufferPointer { out in
                for (i, segment) in segments.enumerated() {
                    for b in segment { out[n] = b; n += 1 }
                    if i < variable.count { for b in variable[i][odometer[i]] { out[n] = b; n += 1 } }
                }
                digest.withUnsafeMutableBufferPointer { d in _ = crypto_hash_sha256(d.baseAddress!, out.baseAddress!, UInt64(n)) }
            }
            if let d = Digest(digest), targets.contains(d) {
                hits.append(Hit(identity: identity, leaf: String(decoding: buffer[1..<n], as: UTF8.self), hash: d))
            }
            var wheel = variable.count - 1
            while wheel >= 0 {
                odometer[wheel] += 1
                if odometer[wheel] < variable[wheel].count { break }
                odometer[wheel] = 0
                wheel -= 1
            }
            if wheel < 0 { return hits }
        }
    }
}
