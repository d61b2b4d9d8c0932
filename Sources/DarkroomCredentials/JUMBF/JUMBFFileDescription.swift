/// The payload of a `bfdb` box, which describes the file an embedded-file superbox carries in
/// its `bidb` box: a toggle byte, a NUL-terminated media type, then (toggle bit 0) a
/// NUL-terminated file name.
public struct JUMBFFileDescription: Hashable, Sendable {
    /// The file's media type, such as `image/png`. It must not contain NUL.
    public var mediaType: String
    /// The file's name (toggle bit 0). It must not contain NUL.
    public var fileName: String?
    /// Whether the data box holds a reference to the file rather than the file (toggle bit 1).
    public var isExternal: Bool

    /// Makes a description from its fields.
    public init(mediaType: String, fileName: String? = nil, isExternal: Bool = false) {
        self.mediaType = mediaType
        self.fileName = fileName
        self.isExternal = isExternal
    }

    /// Parses a `bfdb` content box. Error offsets count from the start of the input the box was
    /// decoded from when it records `payloadRange`, else from the start of its payload.
    ///
    /// - Throws: `JUMBFError`: `.unexpectedType` for a box that is not `bfdb`, and the string,
    ///   toggle and trailing-byte errors of a malformed payload.
    public init(_ box: JUMBFContentBox) throws(JUMBFError) {
        let base = box.payloadRange?.lowerBound ?? 0
        guard box.type == .bfdb else {
            throw .unexpectedType(offset: box.range?.lowerBound ?? 0, expected: .bfdb, found: box.type)
        }
        let payload = box.payload
        guard let toggles = payload.first else { throw .truncated(offset: base) }
        guard toggles & 0xFC == 0 else { throw .reservedToggles(offset: base, toggles: toggles) }
        var position = 1
        let end = payload.count
        mediaType = try JUMBFReader.readNULTerminated(in: payload, from: &position, end: end, bias: base)
        fileName = toggles & 0x01 != 0
            ? try JUMBFReader.readNULTerminated(in: payload, from: &position, end: end, bias: base) : nil
        isExternal = toggles & 0x02 != 0
        guard position == end else { throw .trailingBytes(offset: position + base) }
    }

    /// The `bfdb` content box for this description.
    public var contentBox: JUMBFContentBox {
        var payload: [UInt8] = [(fileName != nil ? 0x01 : 0) | (isExternal ? 0x02 : 0)]
        payload.append(contentsOf: mediaType.utf8.prefix(while: { $0 != 0 }))
        payload.append(0)
        if let fileName {
            payload.append(contentsOf: fileName.utf8.prefix(while: { $0 != 0 }))
            payload.append(0)
        }
        return JUMBFContentBox(type: .bfdb, payload: payload)
    }
}
