/// The position of one box inside an input, from its parsed header.
struct BoxHeader {
    /// The box's type.
    let type: FourCC
    /// Where the box (its header) starts.
    let start: Int
    /// Where its payload starts, just after the header.
    let payloadStart: Int
    /// Where the box ends (exclusive).
    let end: Int

    /// The whole box.
    var range: Range<Int> { start..<end }
    /// The payload alone.
    var payloadRange: Range<Int> { payloadStart..<end }

    /// The header's length for a payload of `payloadLength` bytes: 8, or 16 when the box's total
    /// size does not fit the 4-byte `LBox`.
    static func headerLength(payloadLength: Int) -> Int {
        UInt64(payloadLength) + 8 <= UInt64(UInt32.max) ? 8 : 16
    }

    /// Appends a header for a box of `type` whose payload has `payloadLength` bytes: a 4-byte
    /// `LBox`, or `LBox` = 1 and an 8-byte `XLBox` when the total size needs it.
    static func append(type: FourCC, payloadLength: Int, to output: inout [UInt8]) {
        let total = UInt64(payloadLength) + UInt64(headerLength(payloadLength: payloadLength))
        if total <= UInt64(UInt32.max) {
            appendBigEndian(total, byteCount: 4, to: &output)
            output.append(contentsOf: type.bytes)
        } else {
            appendBigEndian(1, byteCount: 4, to: &output)
            output.append(contentsOf: type.bytes)
            appendBigEndian(total, byteCount: 8, to: &output)
        }
    }

    /// Appends the low `byteCount` bytes of `value`, most significant first.
    static func appendBigEndian(_ value: UInt64, byteCount: Int, to output: inout [UInt8]) {
        CBOR.appendBigEndian(value, byteCount: byteCount, to: &output)
    }
}
