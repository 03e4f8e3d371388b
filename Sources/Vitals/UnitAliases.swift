/// Units a payload may name for a profile's UCUM unit. SenML (RFC 8428
/// section 12.1 registry) spells some units differently from UCUM: heart
/// rate is `beat/min`, rates `1/min`, and mm[Hg] is written `mmHg` by many devices.
enum UnitAliases {
    static let table: [String: Set<String>] = [
        "/min": ["/min", "1/min", "beat/min", "beats/min"],
        "mm[Hg]": ["mm[Hg]", "mmHg"],
        "%": ["%"],
        "Cel": ["Cel"],
    ]

    static func matches(_ unit: String, profileUnit: String) -> Bool {
        unit == profileUnit || table[profileUnit]?.contains(unit) == true
    }
}
