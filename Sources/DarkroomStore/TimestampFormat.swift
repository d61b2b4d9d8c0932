#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Fast, allocation-light formatting of timestamps.
///
/// Foundation's `DateFormatter` costs tens of microseconds per call on Linux, which dominated inserting
/// and listing thousands of rows. These produce exactly the formats Darkroom uses, from `gmtime_r`/`localtime_r`.
public enum TimestampFormat {
    /// `YYYY-MM-DD HH:MM:SS.SSS` in UTC: the database's storage format (the same as GRDB's default).
    public static func database(_ date: Date) -> String {
        format(date, utc: true, separator: " ", milliseconds: true, zulu: false)
    }

    /// `YYYY-MM-DDTHH:MM:SS.SSSZ`: ISO 8601 in UTC with milliseconds, for JSON.
    public static func iso8601(_ date: Date) -> String {
        format(date, utc: true, separator: "T", milliseconds: true, zulu: true)
    }

    /// `YYYYMMDD-HHMMSS` in UTC: for file and folder names (sorts by time, no separators a shell minds).
    public static func fileName(_ date: Date) -> String {
        String(iso8601(date).prefix(19).filter { $0 != ":" && $0 != "-" }.map { $0 == "T" ? "-" : $0 })
    }

    /// `YYYY-MM-DD HH:MM` in the local time zone, for tables.
    public static func shortLocal(_ date: Date) -> String {
        String(format(date, utc: false, separator: " ", milliseconds: false, zulu: false).prefix(16))
    }

    /// Parses the database format (`YYYY-MM-DD HH:MM:SS.SSS`, also without milliseconds or seconds, or with
    /// `T`) as UTC, without `Calendar` (which costs tens of microseconds per call on Linux). Nil when malformed.
    public static func parseDatabase(_ text: some StringProtocol) -> Date? {
        var digits: [Int] = []
        var fraction = 0.0
        var current = 0, count = 0, inFraction = false, fractionScale = 0.1
        for byte in text.utf8 {
            if byte >= 48 && byte <= 57 {
                if inFraction { fraction += Double(byte - 48) * fractionScale; fractionScale /= 10 }
                else { current = current * 10 + Int(byte - 48); count += 1 }
            } else if byte == 46 && digits.count == 5 {  // '.' after the seconds
                digits.append(current); current = 0; count = 0; inFraction = true
            } else if byte == 45 || byte == 58 || byte == 32 || byte == 84 {  // - : space T
                guard count > 0 else { return nil }
                digits.append(current); current = 0; count = 0
            } else if byte == 90 {  // Z
                break
            } else {
                return nil
            }
        }
        if !inFraction && count > 0 { digits.append(current) }
        guard digits.count >= 3 else { return nil }
        while digits.count < 6 { digits.append(0) }
        var parts = tm()
        parts.tm_year = Int32(digits[0] - 1900); parts.tm_mon = Int32(digits[1] - 1); parts.tm_mday = Int32(digits[2])
        parts.tm_hour = Int32(digits[3]); parts.tm_min = Int32(digits[4]); parts.tm_sec = Int32(digits[5])
        let seconds = timegm(&parts)
        return Date(timeIntervalSince1970: Double(seconds) + (fraction * 1000).rounded() / 1000)
    }

    private static func format(_ date: Date, utc: Bool, separator: Character, milliseconds: Bool, zulu: Bool) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        var millis = Int(((interval - Double(seconds)) * 1000).rounded())
        if millis >= 1000 { seconds += 1; millis -= 1000 }
        var parts = tm()
        if utc { gmtime_r(&seconds, &parts) } else { localtime_r(&seconds, &parts) }
        // Written into one stack buffer: a digit group per call, no intermediate arrays.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { out in
            var count = 0
            func put(_ value: Int, _ width: Int) {
                var v = value
                for i in stride(from: count + width - 1, through: count, by: -1) { out[i] = UInt8(48 + v % 10); v /= 10 }
                count += width
            }
            func append(_ byte: UInt8) { out[count] = byte; count += 1 }
            put(Int(parts.tm_year) + 1900, 4); append(45); put(Int(parts.tm_mon) + 1, 2); append(45); put(Int(parts.tm_mday), 2)
            append(separator.asciiValue!)
            put(Int(parts.tm_hour), 2); append(58); put(Int(parts.tm_min), 2); append(58); put(Int(parts.tm_sec), 2)
            if milliseconds { append(46); put(millis, 3) }
            if zulu { append(90) }
            return String(decoding: UnsafeBufferPointer(rebasing: out[..<count]), as: UTF8.self)
        }
    }
}
