/// Why bytes are not one acceptable CBOR data item. Every offset counts bytes from the start of
/// the input handed to the decoder.
public enum CBORError: Error, Hashable, Sendable {
    /// The input ended inside the item whose head starts at `offset`.
    case truncated(offset: Int)
    /// The head at `offset` uses additional information 28, 29 or 30, which RFC 8949 reserves.
    case reserved(offset: Int, info: UInt8)
    /// The head at `offset` has the indefinite-length marker (31) on a major type that has no
    /// indefinite form (integers, tags).
    case indefiniteNotAllowed(offset: Int, majorType: UInt8)
    /// The text string whose head starts at `offset` is not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// The item at `offset` is nested deeper than the limit allows.
    case tooDeep(offset: Int, limit: Int)
    /// The item at `offset` would make more items than the limit allows.
    case tooManyItems(offset: Int, limit: Int)
    /// One complete item ends at `offset` but more bytes follow.
    case trailingBytes(offset: Int)
    /// The map key at `offset` equals an earlier key of the same map.
    case duplicateKey(offset: Int)
    /// A break code (0xFF) at `offset` does not end an indefinite-length item.
    case unexpectedBreak(offset: Int)
    /// The chunk at `offset` inside an indefinite-length string is not a definite-length string
    /// of the same major type.
    case badIndefiniteChunk(offset: Int)
    /// The two-byte simple value at `offset` is below 32, which has no valid two-byte encoding.
    case invalidSimpleValue(offset: Int, value: UInt8)
}
