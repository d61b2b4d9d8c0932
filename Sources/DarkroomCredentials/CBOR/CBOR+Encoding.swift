extension CBOR {
    /// The item's encoding: preferred (shortest) heads, definite lengths, maps in pair order and
    /// every float as a float64.
    ///
    /// The bytes are deterministic for a given item; maps are not re-sorted, so a caller that
    /// needs core deterministic encoding orders its pairs itself.
    public func encoded() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        append(to: &output)
        return output
    }

    /// Appends the item's encoding to `output`.
    public func append(to output: inout [UInt8]) {
        switch self {
        case .unsigned(let n):
            CBOR.appendHead(major: 0, argument: n, to: &output)
        case .negative(let n):
            CBOR.appendHead(major: 1, argument: n, to: &output)
        case .bytes(let bytes):
            CBOR.appendHead(major: 2, argument: UInt64(bytes.count), to: &output)
            output.append(contentsOf: bytes)
        case .text(let text):
            let utf8 = text.utf8
            CBOR.appendHead(major: 3, argument: UInt64(utf8.count), to: &output)
            output.append(contentsOf: utf8)
        case .array(let items):
            CBOR.appendHead(major: 4, argument: UInt64(items.count), to: &output)
            for item in items { item.append(to: &output) }
        case .map(let pairs):
            CBOR.appendHead(major: 5, argument: UInt64(pairs.count), to: &output)
            for pair in pairs {
                pair.key.append(to: &output)
                pair.value.append(to: &output)
            }
        case .tagged(let tag, let item):
            CBOR.appendHead(major: 6, argument: tag, to: &output)
            item.append(to: &output)
        case .bool(let value):
            output.append(value ? 0xF5 : 0xF4)
        case .null:
            output.append(0xF6)
        case .undefined:
            output.append(0xF7)
        case .float(let value):
            output.append(0xFB)
            CBOR.appendBigEndian(value.bitPattern, byteCount: 8, to: &output)
        case .simple(let value):
            switch value {
            case 0...19: output.append(0xE0 | value)
            case 20: output.append(0xF4)
            case 21: output.append(0xF5)
            case 22: output.append(0xF6)
            case 23...31: output.append(0xF7)
            default: output.append(contentsOf: [0xF8, value])
            }
        }
    }

    /// Appends the shortest head for `major` (0...7) and `argument`.
    static func appendHead(major: UInt8, argument: UInt64, to output: inout [UInt8]) {
        let type = major << 5
        switch argument {
        case 0..<24:
            output.append(type | UInt8(argument))
        case 24...0xFF:
            output.append(type | 24)
            output.append(UInt8(argument))
        case 0x100...0xFFFF:
            output.append(type | 25)
            appendBigEndian(argument, byteCount: 2, to: &output)
        case 0x1_0000...0xFFFF_FFFF:
            output.append(type | 26)
            appendBigEndian(argument, byteCount: 4, to: &output)
        default:
            output.append(type | 27)
            appendBigEndian(argument, byteCount: 8, to: &output)
        }
    }

    /// Appends the low `byteCount` bytes of `value`, most significant first.
    static func appendBigEndian(_ value: UInt64, byteCount: Int, to output: inout [UInt8]) {
        var shift = (byteCount - 1) * 8
        while shift >= 0 {
            output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            shift -= 8
        }
    }
}
