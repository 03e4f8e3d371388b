/// FHIR `instant` and `dateTime` text from Unix milliseconds, without a
/// calendar library (the core does no I/O and links no Foundation).
public enum FHIRTime {
    /// RFC 3339 in UTC with milliseconds, e.g. `2025-11-25T12:00:00.123Z`:
    /// valid as both FHIR `dateTime` and `instant` (which requires seconds
    /// and a zone, FHIR R4 section 2.24.0.1).
    /// Precondition: the instant falls in the years 0001 through 9999, the
    /// range of FHIR's four-digit year.
    public static func utcMillis(_ millis: Int64) -> String {
        let (days, msOfDay) = floorDivide(millis, 86_400_000)
        let (year, month, day) = civil(daysSinceEpoch: days)
        precondition((1...9999).contains(year), "timestamp outside the years 0001-9999")
        let ms = Int(msOfDay)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(ms / 3_600_000, 2) + ":" + pad(ms / 60_000 % 60, 2) + ":" + pad(ms / 1000 % 60, 2)
            + "." + pad(ms % 1000, 3) + "Z"
    }

    /// Year, month, day of the proleptic Gregorian calendar for a day count
    /// from 1970-01-01: Howard Hinnant's `civil_from_days`, which counts in
    /// 400-year eras (146097 days) starting on March 1 so leap days fall last.
    static func civil(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let r = a % b
        return r < 0 ? (a / b - 1, r + b) : (a / b, r)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
