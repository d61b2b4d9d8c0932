import DarkroomCrypto
import Foundation

/// Identifies one device in a library: 1 to 64 characters from `[a-z0-9-]`, usually 32
/// random hex digits. Ordered lexicographically (clock tie-break).
public struct DeviceID: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The identifier text.
    public let rawValue: String

    /// Validates `rawValue`; nil if it is empty, longer than 64 or has other characters.
    public init?(rawValue: String) {
        guard Identifier.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// A new random identifier (128 bits, hex).
    public static func random() -> DeviceID { DeviceID(rawValue: ContentHash.hex([UInt8](SecureRandom.bytes(16))))! }

    /// Decodes and validates.
    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let v = DeviceID(rawValue: s) else { throw SyncError.malformed("invalid device id \"\(s)\"") }
        self = v
    }

    /// Encodes as a string.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    /// Lexicographic order of the raw values.
    public static func < (a: DeviceID, b: DeviceID) -> Bool { a.rawValue < b.rawValue }
    /// The raw value.
    public var description: String { rawValue }
}

/// Identifies one library (the unit that is synced): same syntax as `DeviceID`.
public struct LibraryID: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The identifier text.
    public let rawValue: String

    /// Validates `rawValue`; nil if it is empty, longer than 64 or has other characters.
    public init?(rawValue: String) {
        guard Identifier.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// A new random identifier (128 bits, hex).
    public static func random() -> LibraryID { LibraryID(rawValue: ContentHash.hex([UInt8](SecureRandom.bytes(16))))! }

    /// Decodes and validates.
    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let v = LibraryID(rawValue: s) else { throw SyncError.malformed("invalid library id \"\(s)\"") }
        self = v
    }

    /// Encodes as a string.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    /// The raw value.
    public var description: String { rawValue }
}

/// The shared syntax check for identifiers.
enum Identifier {
    static func isValid(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d }
    }
}

extension DeviceID: CodingKeyRepresentable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The id as a dictionary key, so `[DeviceID: T]` encodes as a JSON object.
    public var codingKey: CodingKey { Key(stringValue: rawValue) }

    /// Reads an id from a dictionary key.
    public init?<T: CodingKey>(codingKey: T) { self.init(rawValue: codingKey.stringValue) }
}
