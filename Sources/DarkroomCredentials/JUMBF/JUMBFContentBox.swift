/// A box inside a JUMBF superbox that is not itself a superbox: `cbor`, `json`, `bidb`, `bfdb`,
/// `uuid`, `c2sh` or any other type, kept as its raw payload.
///
/// Equality and hashing compare type and payload only, not where a decoded box came from.
public struct JUMBFContentBox: Hashable, Sendable {
    /// The box's type.
    public var type: FourCC
    /// The box's payload (everything after its header).
    public var payload: [UInt8]
    /// For a decoded box, the bytes of the whole box (header included) in the decoder's input.
    public internal(set) var range: Range<Int>?
    /// For a decoded box, the bytes of its payload in the decoder's input.
    public internal(set) var payloadRange: Range<Int>?

    /// Makes a box from its type and payload.
    public init(type: FourCC, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// A `cbor` box holding the encoding of `value`.
    public static func cbor(_ value: CBOR) -> JUMBFContentBox {
        JUMBFContentBox(type: .cbor, payload: value.encoded())
    }

    /// A `c2sh` salt box, as C2PA puts in the description of a salted assertion.
    public static func salt(_ salt: [UInt8]) -> JUMBFContentBox {
        JUMBFContentBox(type: .c2sh, payload: salt)
    }

    /// A `uuid` box: the 16 bytes of `uuid`, then `data`.
    public static func uuid(_ uuid: JUMBFUUID, data: [UInt8]) -> JUMBFContentBox {
        JUMBFContentBox(type: .uuid, payload: uuid.bytes + data)
    }

    /// For a `uuid` box with at least 16 payload bytes, its UUID and the data that follows; else nil.
    public var uuidContent: (uuid: JUMBFUUID, data: ArraySlice<UInt8>)? {
        guard type == .uuid, let uuid = JUMBFUUID(payload.prefix(16)) else { return nil }
        return (uuid, payload.dropFirst(16))
    }

    /// The whole box: header, then payload.
    public func encoded() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(encodedLength)
        append(to: &output)
        return output
    }

    /// The length of `encoded()`.
    var encodedLength: Int {
        BoxHeader.headerLength(payloadLength: payload.count) + payload.count
    }

    /// Appends the whole box to `output`.
    func append(to output: inout [UInt8]) {
        BoxHeader.append(type: type, payloadLength: payload.count, to: &output)
        output.append(contentsOf: payload)
    }

    /// Whether two boxes have the same type and payload.
    public static func == (lhs: JUMBFContentBox, rhs: JUMBFContentBox) -> Bool {
        lhs.type == rhs.type && lhs.payload == rhs.payload
    }

    /// Hashes type and payload, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(payload)
    }
}
