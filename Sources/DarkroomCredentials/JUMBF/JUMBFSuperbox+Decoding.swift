extension JUMBFSuperbox {
    /// Decodes exactly one superbox that fills `bytes`, recording in every decoded superbox and
    /// content box where its bytes lie in `bytes` (`range`, `payloadRange`).
    ///
    /// The decoder is strict: the outer box must be `jumb`, every superbox's first child must be
    /// `jumd` and no other child may be, every box must fit exactly inside its parent, labels
    /// must be NUL-terminated UTF-8 and reserved toggle bits must be clear. It accepts an
    /// 8-byte `XLBox` size and an `LBox` of 0 (the box runs to the end of its parent), which the
    /// writer never produces, so re-encoding may differ from the input: hash the input's bytes
    /// through the recorded ranges.
    ///
    /// - Throws: `JUMBFError`, with `.trailingBytes` when bytes follow the superbox.
    public static func decode(_ bytes: some Collection<UInt8>, limits: Limits = .default) throws(JUMBFError) -> JUMBFSuperbox {
        let input = Array(bytes)
        let (superbox, length) = try decodePrefix(input, limits: limits)
        guard length == input.count else { throw .trailingBytes(offset: length) }
        return superbox
    }

    /// Decodes the superbox at the start of `bytes` and says how many bytes it took; whatever
    /// follows is left alone. Same rules as `decode(_:limits:)`.
    public static func decodePrefix(_ bytes: some Collection<UInt8>, limits: Limits = .default) throws(JUMBFError) -> (superbox: JUMBFSuperbox, length: Int) {
        var reader = JUMBFReader(bytes: Array(bytes), limits: limits)
        let header = try reader.readHeader(at: 0, end: reader.bytes.count)
        guard header.type == .jumb else {
            throw .unexpectedType(offset: 0, expected: .jumb, found: header.type)
        }
        return (try reader.readSuperbox(header, depth: 0), header.end)
    }
}

/// The decoder's state over one input.
struct JUMBFReader {
    let bytes: [UInt8]
    let limits: JUMBFSuperbox.Limits
    var boxCount = 0

    init(bytes: [UInt8], limits: JUMBFSuperbox.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Parses the header of the box at `start`, which must lie wholly before `end`.
    mutating func readHeader(at start: Int, end: Int) throws(JUMBFError) -> BoxHeader {
        boxCount += 1
        guard boxCount <= limits.maxBoxes else { throw .tooManyBoxes(offset: start, limit: limits.maxBoxes) }
        guard end - start >= 8 else { throw .truncated(offset: end) }
        let lbox = bigEndian(at: start, count: 4)
        let type = FourCC(rawValue: UInt32(truncatingIfNeeded: bigEndian(at: start + 4, count: 4)))
        var size = lbox
        var headerLength = 8
        switch lbox {
        case 0:
            size = UInt64(end - start)
        case 1:
            guard end - start >= 16 else { throw .truncated(offset: end) }
            size = bigEndian(at: start + 8, count: 8)
            headerLength = 16
        default:
            break
        }
        guard size >= UInt64(headerLength) else { throw .invalidBoxSize(offset: start, size: size) }
        guard size <= UInt64(end - start) else {
            throw .boxOverflow(offset: start, size: size, available: end - start)
        }
        return BoxHeader(type: type, start: start, payloadStart: start + headerLength, end: start + Int(size))
    }

    /// Parses the superbox whose `jumb` header is `header`, at nesting `depth`.
    mutating func readSuperbox(_ header: BoxHeader, depth: Int) throws(JUMBFError) -> JUMBFSuperbox {
        guard depth <= limits.maxDepth else { throw .tooDeep(offset: header.start, limit: limits.maxDepth) }
        let first = try readHeader(at: header.payloadStart, end: header.end)
        guard first.type == .jumd else {
            throw .unexpectedType(offset: first.start, expected: .jumd, found: first.type)
        }
        let description = try JUMBFDescription.read(first, from: &self)
        var children: [JUMBFNode] = []
        var position = first.end
        while position < header.end {
            let child = try readHeader(at: position, end: header.end)
            switch child.type {
            case .jumd:
                throw .misplacedDescription(offset: child.start)
            case .jumb:
                children.append(.superbox(try readSuperbox(child, depth: depth + 1)))
            default:
                children.append(.content(contentBox(child)))
            }
            position = child.end
        }
        var superbox = JUMBFSuperbox(description: description, children: children)
        superbox.range = header.range
        superbox.payloadRange = header.payloadRange
        return superbox
    }

    /// The content box `header` locates, with its ranges.
    func contentBox(_ header: BoxHeader) -> JUMBFContentBox {
        var box = JUMBFContentBox(type: header.type, payload: Array(bytes[header.payloadRange]))
        box.range = header.range
        box.payloadRange = header.payloadRange
        return box
    }

    /// Reads a NUL-terminated UTF-8 string of `bytes` starting at `position`, leaving
    /// `position` after the NUL; the NUL must come before `end`. Error offsets are positions
    /// in `bytes` plus `bias`.
    static func readNULTerminated(
        in bytes: [UInt8], from position: inout Int, end: Int, bias: Int = 0
    ) throws(JUMBFError) -> String {
        let start = position
        guard let nul = bytes[start..<end].firstIndex(of: 0) else { throw .unterminatedString(offset: start + bias) }
        guard let string = UTF8Text.string(bytes[start..<nul]) else { throw .invalidUTF8(offset: start + bias) }
        position = nul + 1
        return string
    }

    /// The big-endian number in the `count` bytes at `offset` (the caller has checked they exist).
    func bigEndian(at offset: Int, count: Int) -> UInt64 {
        bytes[offset..<(offset + count)].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
