/// A fee rate in satoshis per 1000 virtual bytes, the unit Bitcoin Core's
/// policy uses (`-minrelaytxfee`, CFeeRate); settings and RPCs give it in
/// coins per kvB, as 1e-8 coins = 1 satoshi.
public struct FeeRate: Sendable, Equatable, Comparable, CustomStringConvertible {
    public let satoshisPerKvB: Int64

    public init(satoshisPerKvB: Int64) {
        precondition(satoshisPerKvB >= 0, "a fee rate is not negative")
        self.satoshisPerKvB = satoshisPerKvB
    }

    /// From coins per kvB (e.g. `estimatesmartfee`'s `feerate`), rounded to the satoshi.
    /// - Precondition: `coinsPerKvB` is finite and >= 0.
    public init(coinsPerKvB: Double) {
        precondition(coinsPerKvB.isFinite && coinsPerKvB >= 0, "a fee rate is a finite non-negative amount")
        self.init(satoshisPerKvB: Int64((coinsPerKvB * 100_000_000).rounded()))
    }

    /// The fee for `virtualBytes`, rounded up so it never falls below the rate
    /// (Core's CFeeRate::GetFee rounds the same way).
    public func fee(virtualBytes: Int) -> Int64 {
        (satoshisPerKvB * Int64(virtualBytes) + 999) / 1000
    }

    /// This rate held within `[floor, cap]`.
    /// - Precondition: `floor <= cap`.
    public func clamped(floor: FeeRate, cap: FeeRate) -> FeeRate {
        precondition(floor <= cap, "fee rate floor above the cap")
        return min(max(self, floor), cap)
    }

    public static func < (a: FeeRate, b: FeeRate) -> Bool { a.satoshisPerKvB < b.satoshisPerKvB }

    /// Satoshis per vbyte, e.g. "1.5 sat/vB".
    public var description: String {
        let whole = satoshisPerKvB / 1000, thousandths = satoshisPerKvB % 1000
        guard thousandths != 0 else { return "\(whole) sat/vB" }
        var fraction = String(thousandths)
        while fraction.count < 3 { fraction = "0" + fraction }
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction) sat/vB"
    }
}
