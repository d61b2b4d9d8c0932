/// The byte-to-character table of GPT-2/CLIP byte-level BPE: every byte maps
/// to one printable Unicode scalar so that BPE can run on strings. Printable
/// Latin-1 bytes map to themselves; the others map, in byte order, to
/// U+0100 and up.
enum ByteLevelAlphabet {
    /// `characters[b]` is the symbol that stands for byte `b`.
    static let characters: [Character] = {
        func isPrintable(_ byte: Int) -> Bool {
            (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
        }
        var next = 0x100
        return (0..<256).map { byte in
            if isPrintable(byte) { return Character(Unicode.Scalar(UInt8(byte))) }
            defer { next += 1 }
            return Character(Unicode.Scalar(UInt32(next))!)
        }
    }()

    /// The symbols of the UTF-8 bytes of `piece`, one per byte.
    static func symbols(of piece: String) -> [String] {
        piece.utf8.map { String(characters[Int($0)]) }
    }
}
