/// LOINC code syntax: 1 to 7 digits, a hyphen, and a mod-10 check digit
/// (the Luhn algorithm, LOINC Users' Guide appendix "Calculating Mod 10
/// check digits"), which catches a mistyped digit in a profile file.
enum LOINC {
    static func isValid(_ code: String) -> Bool {
        let parts = code.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 2, (1...7).contains(parts[0].count), parts[1].count == 1,
              parts[0].allSatisfy(Identifier.isDigit), let check = parts[1].first, Identifier.isDigit(check)
        else { return false }
        return checkDigit(parts[0].map { Int($0 - UInt8(ascii: "0")) }) == Int(check - UInt8(ascii: "0"))
    }

    /// Doubles every other digit starting from the rightmost, sums the digits
    /// of the results, and returns what brings the sum to a multiple of 10.
    static func checkDigit(_ digits: [Int]) -> Int {
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            let weighted = position % 2 == 0 ? digit * 2 : digit
            sum += weighted / 10 + weighted % 10
        }
        return (10 - sum % 10) % 10
    }
}
