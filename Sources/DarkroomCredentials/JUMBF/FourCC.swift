/// A four-byte box type (ISO BMFF `TBox`), such as `jumb` or `cbor`.
public struct FourCC: Hashable, Sendable, CustomStringConvertible {
    /// The four bytes read as one big-endian number.
    public let rawValue: UInt32

    /// Makes a type from its four bytes read as one big-endian number.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Makes a type from a string of exactly four UTF-8 bytes, else nil.
    public init?(_ string: String) {
        guard string.utf8.count == 4 else { return nil }
        self.init(bytes: string.utf8)
    }

    /// Makes a type from the first four bytes of `bytes` (fewer give zero bytes at the end).
    init(bytes: some Sequence<UInt8>) {
        var value: UInt32 = 0
        var count = 0
        for byte in bytes.prefix(4) {
            value = value << 8 | UInt32(byte)
            count += 1
        }
        self.rawValue = value << UInt32(8 * (4 - count))
    }

    /// The four bytes in box order.
    public var bytes: [UInt8] {
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: rawValue >> $0) }
    }

    /// The four bytes as text when they are printable ASCII, else as eight hex digits.
    public var description: String {
        let bytes = bytes
        if bytes.allSatisfy({ (0x20...0x7E).contains($0) }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// `jumb`: a JUMBF superbox.
    public static let jumb = FourCC(bytes: "jumb".utf8)
    /// `jumd`: a JUMBF description box, the first child of every superbox.
    public static let jumd = FourCC(bytes: "jumd".utf8)
    /// `cbor`: a content box holding one CBOR item.
    public static let cbor = FourCC(bytes: "cbor".utf8)
    /// `json`: a content box holding JSON text.
    public static let json = FourCC(bytes: "json".utf8)
    /// `bidb`: a content box holding binary data, such as an embedded file.
    public static let bidb = FourCC(bytes: "bidb".utf8)
    /// `bfdb`: a content box describing an embedded file (see `JUMBFFileDescription`).
    public static let bfdb = FourCC(bytes: "bfdb".utf8)
    /// `uuid`: a content box holding a 16-byte UUID and then data.
    public static let uuid = FourCC(bytes: "uuid".utf8)
    /// `c2sh`: a C2PA salt box, the private box of a salted assertion's description.
    public static let c2sh = FourCC(bytes: "c2sh".utf8)
}
