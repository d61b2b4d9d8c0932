/// One child of a JUMBF superbox after its description: a nested superbox or a content box.
public enum JUMBFNode: Hashable, Sendable {
    /// A nested superbox (`jumb`).
    case superbox(JUMBFSuperbox)
    /// Any other box, kept raw.
    case content(JUMBFContentBox)

    /// For a decoded node, the bytes of the whole box (header included) in the decoder's input.
    public var range: Range<Int>? {
        switch self {
        case .superbox(let box): return box.range
        case .content(let box): return box.range
        }
    }

    /// The box's type: `jumb` for a superbox.
    public var type: FourCC {
        switch self {
        case .superbox: return .jumb
        case .content(let box): return box.type
        }
    }

    /// The whole box: header, then payload.
    public func encoded() -> [UInt8] {
        switch self {
        case .superbox(let box): return box.encoded()
        case .content(let box): return box.encoded()
        }
    }

    /// The length of `encoded()`.
    var encodedLength: Int {
        switch self {
        case .superbox(let box): return box.encodedLength
        case .content(let box): return box.encodedLength
        }
    }

    /// Appends the whole box to `output`.
    func append(to output: inout [UInt8]) {
        switch self {
        case .superbox(let box): box.append(to: &output)
        case .content(let box): box.append(to: &output)
        }
    }
}
