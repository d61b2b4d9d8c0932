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

    /// `YYYY-MM-DD HH:MM` in the local time zone, for tables.
    public static func shortLocal(_ date: Date) -> String {
        String(format(date, utc: false, separator: " ", milliseconds: false, zulu: false).prefix(16))
    }

    private static func format(_ date: Date, utc: Bool, separator: Character, milliseconds: Bool, zulu: Bool) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        var millis = Int(((interval - Double(seconds)) * 1000).rounded())
        if millis >= 1000 { seconds += 1; millis -= 1000 }
        var parts = tm()
        if utc { gmtime_r(&seconds, &parts) } else { localtime_r(&seconds, &parts) }
        var out = [UInt8]()
        out.reserveCapacity(24)
        func put(_ value: Int, _ width: Int) {
            var digits = [UInt8](repeating: 48, count: width)
            var v = value
            for i in stride(from: width - 1, through: 0, by: -1) { digits[i] = UInt8(48 + v % 10); v /= 10 }
            out += digits
        }
        put(Int(parts.tm_year) + 1900, 4); out.append(45); put(Int(parts.tm_mon) + 1, 2); out.append(45); put(Int(parts.tm_mday), 2)
        out.append(separator.asciiValue!)
        put(Int(parts.tm_hour), 2); out.append(58); put(Int(parts.tm_min), 2); out.append(58); put(Int(parts.tm_sec), 2)
        if milliseconds { out.append(46); put(millis, 3) }
        if zulu { out.append(90) }
        return String(decoding: out, as: UTF8.self)
    }
}
