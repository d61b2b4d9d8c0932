/// One CBOR data item (RFC 8949), as C2PA claims, assertions and COSE structures use them.
///
/// Equality is the CBOR data model's, not Swift's looser notions: text compares by its UTF-8
/// bytes (two canonically equivalent strings with different bytes are different items), floats
/// compare by their bit patterns (`NaN` equals the same `NaN`, `0.0` differs from `-0.0`), and
/// maps compare as ordered lists of pairs.
///
/// `encoded()` writes the item; `CBOR.decode(_:limits:)` reads one.
public indirect enum CBOR: Sendable {
    /// An unsigned integer (major type 0).
    case unsigned(UInt64)
    /// A negative integer (major type 1) whose value is `-1 - n`.
    case negative(UInt64)
    /// A byte string (major type 2).
    case bytes([UInt8])
    /// A UTF-8 text string (major type 3).
    case text(String)
    /// An array of data items (major type 4).
    case array([CBOR])
    /// A map (major type 5) as key/value pairs, in the order they are written and were read.
    case map([Pair])
    /// A tagged data item (major type 6).
    case tagged(UInt64, CBOR)
    /// `false` or `true` (simple values 20 and 21).
    case bool(Bool)
    /// `null` (simple value 22).
    case null
    /// `undefined` (simple value 23).
    case undefined
    /// A floating-point number; half, single and double precision all decode to this case.
    case float(Double)
    /// Any other simple value: 0 to 19 or 32 to 255.
    ///
    /// Values 20 to 23 are written as `false`, `true`, `null` and `undefined`, and values 24 to
    /// 31, which have no valid encoding, are written as `undefined`; the decoder never returns
    /// them in this case.
    case simple(UInt8)

    /// One key/value entry of a CBOR map.
    public struct Pair: Hashable, Sendable {
        /// The entry's key.
        public var key: CBOR
        /// The entry's value.
        public var value: CBOR

        /// Makes an entry from its key and value.
        public init(key: CBOR, value: CBOR) {
            self.key = key
            self.value = value
        }

        /// Makes an entry from its key and value.
        public init(_ key: CBOR, _ value: CBOR) {
            self.init(key: key, value: value)
        }
    }
}

extension CBOR: Hashable {
    /// Whether two items are the same in the CBOR data model (see the type's documentation).
    public static func == (lhs: CBOR, rhs: CBOR) -> Bool {
        switch (lhs, rhs) {
        case let (.unsigned(a), .unsigned(b)), let (.negative(a), .negative(b)):
            return a == b
        case let (.bytes(a), .bytes(b)):
            return a == b
        case let (.text(a), .text(b)):
            return a.utf8.elementsEqual(b.utf8)
        case let (.array(a), .array(b)):
            return a == b
        case let (.map(a), .map(b)):
            return a == b
        case let (.tagged(tagA, a), .tagged(tagB, b)):
            return tagA == tagB && a == b
        case let (.bool(a), .bool(b)):
            return a == b
        case (.null, .null), (.undefined, .undefined):
            return true
        case let (.float(a), .float(b)):
            return a.bitPattern == b.bitPattern
        case let (.simple(a), .simple(b)):
            return a == b
        default:
            return false
        }
    }

    /// Hashes the item consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .unsigned(let n):
            hasher.combine(0 as UInt8)
            hasher.combine(n)
        case .negative(let n):
            hasher.combine(1 as UInt8)
            hasher.combine(n)
        case .bytes(let bytes):
            hasher.combine(2 as UInt8)
            hasher.combine(bytes)
        case .text(let text):
            hasher.combine(3 as UInt8)
            hasher.combine(text.utf8.count)
            for byte in text.utf8 { hasher.combine(byte) }
        case .array(let items):
            hasher.combine(4 as UInt8)
            hasher.combine(items)
        case .map(let pairs):
            hasher.combine(5 as UInt8)
            hasher.combine(pairs)
        case .tagged(let tag, let item):
            hasher.combine(6 as UInt8)
            hasher.combine(tag)
            hasher.combine(item)
        case .bool(let value):
            hasher.combine(7 as UInt8)
            hasher.combine(value)
        case .null:
            hasher.combine(8 as UInt8)
        case .undefined:
            hasher.combine(9 as UInt8)
        case .float(let value):
            hasher.combine(10 as UInt8)
            hasher.combine(value.bitPattern)
        case .simple(let value):
            hasher.combine(11 as UInt8)
            hasher.combine(value)
        }
    }
}
