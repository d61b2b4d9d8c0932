/// The description box (`jumd`) that opens every JUMBF superbox: the superbox's type UUID, its
/// label and the optional fields its toggle byte announces.
///
/// Equality and hashing ignore where a decoded private box came from.
public struct JUMBFDescription: Hashable, Sendable {
    /// The superbox's type, such as `JUMBFType.manifest` or `JUMBFType.cbor`.
    public var uuid: JUMBFUUID
    /// The label C2PA URIs name the superbox by (toggle bit 1). It must not contain NUL: a
    /// label that does is written only up to its first NUL.
    public var label: String?
    /// Whether the superbox may be requested by its label (toggle bit 0).
    public var requestable: Bool
    /// A numeric id (toggle bit 2).
    public var id: UInt32?
    /// A SHA-256 digest of the superbox's content (toggle bit 3).
    public var signature: JUMBFSignature?
    /// A private box (toggle bit 4); C2PA puts a `c2sh` salt box here.
    public var privateBox: JUMBFContentBox?

    /// Makes a description. C2PA writes requestable, labelled descriptions (toggles 0x03, or
    /// 0x13 with a salt box).
    public init(
        uuid: JUMBFUUID, label: String?, requestable: Bool = true,
        id: UInt32? = nil, signature: JUMBFSignature? = nil, privateBox: JUMBFContentBox? = nil
    ) {
        self.uuid = uuid
        self.label = label
        self.requestable = requestable
        self.id = id
        self.signature = signature
        self.privateBox = privateBox
    }

    /// The salt of a `c2sh` private box, else nil.
    public var salt: [UInt8]? {
        guard let box = privateBox, box.type == .c2sh else { return nil }
        return box.payload
    }

    /// The toggle byte the fields give.
    public var toggles: UInt8 {
        var toggles: UInt8 = requestable ? 0x01 : 0
        if label != nil { toggles |= 0x02 }
        if id != nil { toggles |= 0x04 }
        if signature != nil { toggles |= 0x08 }
        if privateBox != nil { toggles |= 0x10 }
        return toggles
    }

    /// The whole `jumd` box: header, then payload.
    public func encoded() -> [UInt8] {
        var output: [UInt8] = []
        append(to: &output)
        return output
    }

    /// The label's bytes up to (not including) any NUL.
    private var labelBytes: ArraySlice<UInt8>? {
        guard let label else { return nil }
        let bytes = Array(label.utf8)
        return bytes.prefix(while: { $0 != 0 })
    }

    /// The payload's length: UUID, toggles and each present field.
    var payloadLength: Int {
        var length = 17
        if let labelBytes { length += labelBytes.count + 1 }
        if id != nil { length += 4 }
        if signature != nil { length += 32 }
        if let privateBox { length += privateBox.encodedLength }
        return length
    }

    /// The length of `encoded()`.
    var encodedLength: Int {
        BoxHeader.headerLength(payloadLength: payloadLength) + payloadLength
    }

    /// Appends the whole `jumd` box to `output`.
    func append(to output: inout [UInt8]) {
        BoxHeader.append(type: .jumd, payloadLength: payloadLength, to: &output)
        output.append(contentsOf: uuid.bytes)
        output.append(toggles)
        if let labelBytes {
            output.append(contentsOf: labelBytes)
            output.append(0)
        }
        if let id { BoxHeader.appendBigEndian(UInt64(id), byteCount: 4, to: &output) }
        if let signature { output.append(contentsOf: signature.bytes) }
        privateBox?.append(to: &output)
    }
}

extension JUMBFDescription {
    /// Toggle bits that ISO 19566-5 leaves reserved.
    static let reservedToggleBits: UInt8 = 0xE0

    /// Parses the payload of the `jumd` box `header` locates in `reader`'s input.
    static func read(_ header: BoxHeader, from reader: inout JUMBFReader) throws(JUMBFError) -> JUMBFDescription {
        let bytes = reader.bytes
        var position = header.payloadStart
        let end = header.end
        guard end - position >= 17 else { throw .truncated(offset: end) }
        let uuid = JUMBFUUID(constant: Array(bytes[position..<(position + 16)]))
        let toggles = bytes[position + 16]
        guard toggles & reservedToggleBits == 0 else {
            throw .reservedToggles(offset: position + 16, toggles: toggles)
        }
        position += 17

        var label: String?
        if toggles & 0x02 != 0 {
            label = try JUMBFReader.readNULTerminated(in: bytes, from: &position, end: end)
        }
        var id: UInt32?
        if toggles & 0x04 != 0 {
            guard end - position >= 4 else { throw .truncated(offset: end) }
            id = bytes[position..<(position + 4)].reduce(0) { $0 << 8 | UInt32($1) }
            position += 4
        }
        var signature: JUMBFSignature?
        if toggles & 0x08 != 0 {
            guard end - position >= 32 else { throw .truncated(offset: end) }
            signature = JUMBFSignature(bytes[position..<(position + 32)])
            position += 32
        }
        var privateBox: JUMBFContentBox?
        if toggles & 0x10 != 0 {
            let boxHeader = try reader.readHeader(at: position, end: end)
            privateBox = reader.contentBox(boxHeader)
            position = boxHeader.end
        }
        guard position == end else { throw .trailingBytes(offset: position) }
        return JUMBFDescription(
            uuid: uuid, label: label, requestable: toggles & 0x01 != 0,
            id: id, signature: signature, privateBox: privateBox)
    }
}
