/// The 16-byte type UUID of a JUMBF description box.
public struct JUMBFUUID: Hashable, Sendable, CustomStringConvertible {
    /// The 16 bytes in box order.
    public let bytes: [UInt8]

    /// The twelve bytes that follow a four-character code in ISO-style type UUIDs
    /// (`XXXXXXXX-0011-0010-8000-00AA00389B71`).
    static let isoSuffix: [UInt8] = [0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]

    /// Makes a UUID from exactly 16 bytes, else nil.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Makes the ISO-style type UUID of a four-character code: its four bytes, then
    /// `00 11 00 10 80 00 00 AA 00 38 9B 71` (so `cbor` gives `63626F72-0011-0010-8000-00AA00389B71`).
    public init(fourCC: FourCC) {
        self.bytes = fourCC.bytes + JUMBFUUID.isoSuffix
    }

    /// Makes a UUID from 32 hex digits, with or without dashes, else nil.
    public init?(hex: String) {
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in hex where character != "-" {
            guard let nibble = character.hexDigitValue else { return nil }
            if let first = high {
                bytes.append(first << 4 | UInt8(nibble))
                high = nil
            } else {
                high = UInt8(nibble)
            }
        }
        guard high == nil else { return nil }
        self.init(bytes)
    }

    /// The four-character code of an ISO-style type UUID, else nil.
    public var fourCC: FourCC? {
        guard Array(bytes[4...]) == JUMBFUUID.isoSuffix else { return nil }
        return FourCC(bytes: bytes)
    }

    /// The usual 8-4-4-4-12 upper-case hex form.
    public var description: String {
        let digits = "0123456789ABCDEF".map { $0 }
        var text = ""
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append("-") }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }
}

/// The 32-byte SHA-256 digest a JUMBF description box may carry.
public struct JUMBFSignature: Hashable, Sendable {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// Makes a signature from exactly 32 bytes, else nil.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.bytes = Array(bytes)
    }
}
