import Foundation

/// The name of an opaque object in a transport: `/`-separated segments of
/// `[A-Za-z0-9._-]`, none empty or starting with a dot, at most 255 bytes. Names carry no
/// folder or URL meaning; each transport maps them as it likes.
public struct ObjectName: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The name text.
    public let rawValue: String

    /// Validates `rawValue`; nil when it breaks the syntax above.
    public init?(rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 255 else { return nil }
        // One pass over the bytes (every request to the relay names an object, and every
        // listed name is checked): no segment is empty or starts with a dot.
        var atSegmentStart = true
        for c in rawValue.utf8 {
            if c == UInt8(ascii: "/") {
                guard !atSegmentStart else { return nil }
                atSegmentStart = true
                continue
            }
            if atSegmentStart {
                guard c != UInt8(ascii: ".") else { return nil }
                atSegmentStart = false
            }
            guard (0x30...0x39).contains(c) || (0x41...0x5a).contains(c) || (0x61...0x7a).contains(c)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") else { return nil }
        }
        guard !atSegmentStart else { return nil }
        self.rawValue = rawValue
    }

    /// Decodes and validates.
    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let v = ObjectName(rawValue: s) else { throw SyncError.malformed("invalid object name \"\(s)\"") }
        self = v
    }

    /// Encodes as a string.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    /// The `/`-separated segments.
    public var segments: [Substring] { rawValue.split(separator: "/") }
    /// Lexicographic order of the raw values.
    public static func < (a: ObjectName, b: ObjectName) -> Bool { a.rawValue < b.rawValue }
    /// The raw value.
    public var description: String { rawValue }
}
