extension CBOR {
    /// Decodes exactly one data item that fills `bytes`.
    ///
    /// The decoder is strict about well-formedness (reserved additional information, misplaced
    /// break codes, invalid UTF-8, malformed indefinite-length strings and repeated map keys are
    /// all errors) but liberal about preferred serialization: a head written longer than needed,
    /// such as `0x18 0x01` for 1, is accepted. Indefinite-length strings, arrays and maps decode
    /// to the same cases as definite ones.
    ///
    /// - Throws: `CBORError`, with `.trailingBytes` when bytes follow the item.
    public static func decode(_ bytes: some Collection<UInt8>, limits: Limits = .default) throws(CBORError) -> CBOR {
        let input = Array(bytes)
        let (value, length) = try decodePrefix(input, limits: limits)
        guard length == input.count else { throw .trailingBytes(offset: length) }
        return value
    }

    /// Decodes the one data item at the start of `bytes` and says how many bytes it took;
    /// whatever follows is left alone. Same rules as `decode(_:limits:)`.
    public static func decodePrefix(_ bytes: some Collection<UInt8>, limits: Limits = .default) throws(CBORError) -> (value: CBOR, length: Int) {
        var reader = CBORReader(bytes: Array(bytes), limits: limits)
        let value = try reader.readItem(depth: 0)
        return (value, reader.position)
    }
}

/// The decoder's cursor over one input.
struct CBORReader {
    let bytes: [UInt8]
    let limits: CBOR.Limits
    var position = 0
    var itemCount = 0

    init(bytes: [UInt8], limits: CBOR.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    var remaining: Int { bytes.count - position }

    /// Reads one data item at `depth` (0 for the top level).
    mutating func readItem(depth: Int) throws(CBORError) -> CBOR {
        let start = position
        guard position < bytes.count else { throw .truncated(offset: start) }
        guard depth <= limits.maxDepth else { throw .tooDeep(offset: start, limit: limits.maxDepth) }
        itemCount += 1
        guard itemCount <= limits.maxItems else { throw .tooManyItems(offset: start, limit: limits.maxItems) }

        let initial = bytes[position]
        position += 1
        let major = initial >> 5
        let info = initial & 0x1F
        if major == 7 { return try readSimple(info: info, start: start) }
        if info == 31 {
            switch major {
            case 2, 3: return try readIndefiniteString(major: major, start: start)
            case 4: return try readIndefiniteArray(depth: depth, start: start)
            case 5: return try readIndefiniteMap(depth: depth, start: start)
            default: throw .indefiniteNotAllowed(offset: start, majorType: major)
            }
        }
        let argument = try readArgument(info: info, start: start)
        switch major {
        case 0:
            return .unsigned(argument)
        case 1:
            return .negative(argument)
        case 2:
            return .bytes(Array(try readSpan(length: argument, start: start)))
        case 3:
            let span = try readSpan(length: argument, start: start)
            guard let text = UTF8Text.string(span) else { throw .invalidUTF8(offset: start) }
            return .text(text)
        case 4:
            // Every element takes at least one byte.
            guard argument <= UInt64(remaining) else { throw .truncated(offset: start) }
            var items: [CBOR] = []
            items.reserveCapacity(Int(argument))
            for _ in 0..<argument {
                items.append(try readItem(depth: depth + 1))
            }
            return .array(items)
        case 5:
            // Every pair takes at least two bytes.
            guard argument <= UInt64(remaining / 2) else { throw .truncated(offset: start) }
            var pairs = MapBuilder(capacity: Int(argument))
            for _ in 0..<argument {
                try readPair(into: &pairs, depth: depth)
            }
            return .map(pairs.pairs)
        default: // 6: a tag.
            return .tagged(argument, try readItem(depth: depth + 1))
        }
    }

    /// Reads the argument that follows an initial byte with additional information `info` < 31.
    mutating func readArgument(info: UInt8, start: Int) throws(CBORError) -> UInt64 {
        let width: Int
        switch info {
        case 0..<24: return UInt64(info)
        case 24: width = 1
        case 25: width = 2
        case 26: width = 4
        case 27: width = 8
        default: throw .reserved(offset: start, info: info)
        }
        guard remaining >= width else { throw .truncated(offset: start) }
        var value: UInt64 = 0
        for index in position..<(position + width) {
            value = value << 8 | UInt64(bytes[index])
        }
        position += width
        return value
    }

    /// Takes the next `length` bytes, failing before any allocation when the input is shorter.
    mutating func readSpan(length: UInt64, start: Int) throws(CBORError) -> ArraySlice<UInt8> {
        guard length <= UInt64(remaining) else { throw .truncated(offset: start) }
        let end = position + Int(length)
        defer { position = end }
        return bytes[position..<end]
    }

    /// Reads a major type 7 item: a simple value, a float, or (misplaced) a break code.
    mutating func readSimple(info: UInt8, start: Int) throws(CBORError) -> CBOR {
        switch info {
        case 0..<20:
            return .simple(info)
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22: return .null
        case 23: return .undefined
        case 24:
            let value = UInt8(try readArgument(info: 24, start: start))
            guard value >= 32 else { throw .invalidSimpleValue(offset: start, value: value) }
            return .simple(value)
        case 25:
            return .float(CBORFloat.halfToDouble(UInt16(try readArgument(info: 25, start: start))))
        case 26:
            let bits = UInt32(try readArgument(info: 26, start: start))
            return .float(Double(Float(bitPattern: bits)))
        case 27:
            return .float(Double(bitPattern: try readArgument(info: 27, start: start)))
        case 31:
            throw .unexpectedBreak(offset: start)
        default:
            throw .reserved(offset: start, info: info)
        }
    }

    /// Whether the next byte is a break code; consumes it when it is.
    mutating func takeBreak(start: Int) throws(CBORError) -> Bool {
        guard position < bytes.count else { throw .truncated(offset: start) }
        guard bytes[position] == 0xFF else { return false }
        position += 1
        return true
    }

    /// Reads the chunks of an indefinite-length byte (2) or text (3) string up to its break.
    mutating func readIndefiniteString(major: UInt8, start: Int) throws(CBORError) -> CBOR {
        var joined: [UInt8] = []
        while try !takeBreak(start: start) {
            let chunkStart = position
            let initial = bytes[position]
            position += 1
            guard initial >> 5 == major, initial & 0x1F != 31 else {
                throw .badIndefiniteChunk(offset: chunkStart)
            }
            let length = try readArgument(info: initial & 0x1F, start: chunkStart)
            let chunk = try readSpan(length: length, start: chunkStart)
            if major == 3, UTF8Text.string(chunk) == nil { throw .invalidUTF8(offset: chunkStart) }
            joined.append(contentsOf: chunk)
        }
        if major == 2 { return .bytes(joined) }
        // Each chunk is valid UTF-8, so their concatenation is too.
        return .text(String(decoding: joined, as: UTF8.self))
    }

    /// Reads the elements of an indefinite-length array up to its break.
    mutating func readIndefiniteArray(depth: Int, start: Int) throws(CBORError) -> CBOR {
        var items: [CBOR] = []
        while try !takeBreak(start: start) {
            items.append(try readItem(depth: depth + 1))
        }
        return .array(items)
    }

    /// Reads the pairs of an indefinite-length map up to its break.
    mutating func readIndefiniteMap(depth: Int, start: Int) throws(CBORError) -> CBOR {
        var pairs = MapBuilder(capacity: 0)
        while try !takeBreak(start: start) {
            try readPair(into: &pairs, depth: depth)
        }
        return .map(pairs.pairs)
    }

    /// Reads one key and its value into a map at `depth`, rejecting a repeated key.
    mutating func readPair(into map: inout MapBuilder, depth: Int) throws(CBORError) {
        let keyStart = position
        let key = try readItem(depth: depth + 1)
        guard map.keys.insert(key).inserted else { throw .duplicateKey(offset: keyStart) }
        let value = try readItem(depth: depth + 1)
        map.pairs.append(CBOR.Pair(key: key, value: value))
    }
}

/// A map being decoded: its pairs in order and the set of its keys.
struct MapBuilder {
    var pairs: [CBOR.Pair] = []
    var keys: Set<CBOR> = []

    init(capacity: Int) {
        pairs.reserveCapacity(capacity)
        keys.reserveCapacity(capacity)
    }
}

/// Conversions for the narrower float widths.
enum CBORFloat {
    /// The value of an IEEE 754 half-precision bit pattern; NaN payloads carry over.
    static func halfToDouble(_ half: UInt16) -> Double {
        let negative = half & 0x8000 != 0
        let exponent = Int((half >> 10) & 0x1F)
        let fraction = UInt64(half & 0x3FF)
        let sign: FloatingPointSign = negative ? .minus : .plus
        switch exponent {
        case 0:
            // Zero or subnormal: fraction × 2^-24.
            return Double(sign: sign, exponent: -24, significand: Double(fraction))
        case 31:
            let signBit: UInt64 = negative ? 1 << 63 : 0
            return Double(bitPattern: signBit | 0x7FF0_0000_0000_0000 | fraction << 42)
        default:
            return Double(sign: sign, exponent: exponent - 15, significand: 1 + Double(fraction) / 1024)
        }
    }
}
