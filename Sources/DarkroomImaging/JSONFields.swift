import Foundation

/// Lenient typed reads from values produced by `JSONSerialization`, where a
/// number may arrive as `NSNumber` or as a numeric string.
enum JSONFields {
    /// Parses `text` as a JSON object, or nil.
    static func object(_ text: String) -> [String: Any]? {
        guard let data = text.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// A string, or a number rendered as text.
    static func string(_ value: Any?) -> String? {
        switch value {
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    /// A whole number.
    static func int(_ value: Any?) -> Int? {
        if let text = value as? String { return Int(text.trimmingWhitespace()) }
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9e15 else { return nil }
        return number.intValue
    }

    /// A non-negative whole number of up to 64 bits (seeds).
    static func uint64(_ value: Any?) -> UInt64? {
        if let text = value as? String { return UInt64(text.trimmingWhitespace()) }
        guard let number = value as? NSNumber else { return nil }
        if let exact = UInt64(number.stringValue) { return exact }
        let double = number.doubleValue
        guard double >= 0, double.rounded() == double, double < 1.8e19 else { return nil }
        return UInt64(double)
    }

    /// A floating-point number.
    static func double(_ value: Any?) -> Double? {
        if let text = value as? String { return Double(text.trimmingWhitespace()) }
        return (value as? NSNumber)?.doubleValue
    }

    /// Scalars of `object` not named in `known`, as strings, for `extra`.
    static func unmodelledScalars(of object: [String: Any], known: Set<String>, prefix: String = "") -> [String: String] {
        var extra: [String: String] = [:]
        for (key, value) in object where !known.contains(key) {
            if value is String || value is NSNumber, let text = string(value) { extra[prefix + key] = text }
        }
        return extra
    }
}
