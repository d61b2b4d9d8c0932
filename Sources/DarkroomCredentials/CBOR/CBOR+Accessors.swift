extension CBOR {
    /// Makes an integer item: `.unsigned` for zero and up, `.negative` below zero.
    public init(_ int: Int) {
        if int >= 0 {
            self = .unsigned(UInt64(int))
        } else {
            // -1 - int cannot overflow: for Int.min it is Int.max.
            self = .negative(UInt64(-1 - int))
        }
    }

    /// The integer value when the item is an integer that fits in `Int`, else nil.
    public var intValue: Int? {
        switch self {
        case .unsigned(let n):
            return n <= UInt64(Int.max) ? Int(n) : nil
        case .negative(let n):
            return n <= UInt64(Int.max) ? -1 - Int(n) : nil
        default:
            return nil
        }
    }

    /// The value of an unsigned integer item, else nil.
    public var uint64Value: UInt64? {
        if case .unsigned(let n) = self { return n }
        return nil
    }

    /// The string of a text item, else nil.
    public var textValue: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    /// The bytes of a byte string item, else nil.
    public var bytesValue: [UInt8]? {
        if case .bytes(let bytes) = self { return bytes }
        return nil
    }

    /// The elements of an array item, else nil.
    public var arrayValue: [CBOR]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The pairs of a map item in their order, else nil.
    public var mapValue: [Pair]? {
        if case .map(let pairs) = self { return pairs }
        return nil
    }

    /// The value of a boolean item, else nil.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value of a float item, else nil (integers are not converted).
    public var doubleValue: Double? {
        if case .float(let value) = self { return value }
        return nil
    }

    /// The tag number and tagged item of a tagged item, else nil.
    public var taggedValue: (tag: UInt64, item: CBOR)? {
        if case .tagged(let tag, let item) = self { return (tag, item) }
        return nil
    }

    /// Whether the item is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value under a text key when the item is a map, else nil.
    ///
    /// The first pair whose key has the same UTF-8 bytes as `key` wins.
    public subscript(_ key: String) -> CBOR? {
        value(forKey: .text(key))
    }

    /// The value under an integer key when the item is a map (COSE headers use keys like 1 and
    /// 33), else nil.
    public subscript(intKey key: Int) -> CBOR? {
        value(forKey: CBOR(key))
    }

    /// The value of the first pair whose key equals `key` when the item is a map, else nil.
    public func value(forKey key: CBOR) -> CBOR? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first(where: { $0.key == key })?.value
    }
}

extension CBOR: ExpressibleByIntegerLiteral {
    /// Makes an integer item from a literal.
    public init(integerLiteral value: Int) {
        self.init(value)
    }
}

extension CBOR: ExpressibleByStringLiteral {
    /// Makes a text item from a literal.
    public init(stringLiteral value: String) {
        self = .text(value)
    }
}

extension CBOR: ExpressibleByBooleanLiteral {
    /// Makes a boolean item from a literal.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension CBOR: ExpressibleByFloatLiteral {
    /// Makes a float item from a literal.
    public init(floatLiteral value: Double) {
        self = .float(value)
    }
}

extension CBOR: ExpressibleByArrayLiteral {
    /// Makes an array item from a literal.
    public init(arrayLiteral elements: CBOR...) {
        self = .array(elements)
    }
}

extension CBOR: ExpressibleByDictionaryLiteral {
    /// Makes a map item from a literal, keeping the pairs in source order.
    ///
    /// Repeated keys are kept as written; the decoder rejects such a map.
    public init(dictionaryLiteral elements: (CBOR, CBOR)...) {
        self = .map(elements.map { Pair(key: $0.0, value: $0.1) })
    }
}
