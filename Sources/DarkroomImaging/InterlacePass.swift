/// The seven passes of Adam7 interlacing, and the single pass of a plain image.
struct InterlacePass {
    var xStart: Int, yStart: Int, xStep: Int, yStep: Int

    /// The Adam7 passes in file order.
    static let adam7: [InterlacePass] = [
        InterlacePass(xStart: 0, yStart: 0, xStep: 8, yStep: 8),
        InterlacePass(xStart: 4, yStart: 0, xStep: 8, yStep: 8),
        InterlacePass(xStart: 0, yStart: 4, xStep: 4, yStep: 8),
        InterlacePass(xStart: 2, yStart: 0, xStep: 4, yStep: 4),
        InterlacePass(xStart: 0, yStart: 2, xStep: 2, yStep: 4),
        InterlacePass(xStart: 1, yStart: 0, xStep: 2, yStep: 2),
        InterlacePass(xStart: 0, yStart: 1, xStep: 1, yStep: 2),
    ]

    /// A non-interlaced image as one pass covering every pixel.
    static let whole = InterlacePass(xStart: 0, yStart: 0, xStep: 1, yStep: 1)

    /// The passes a header's interlace method uses.
    static func passes(for header: PNGHeader) -> [InterlacePass] {
        header.interlaced ? adam7 : [whole]
    }

    /// The pass's sub-image width for an image `width` pixels wide.
    func columns(in width: Int) -> Int { width > xStart ? (width - xStart + xStep - 1) / xStep : 0 }

    /// The pass's sub-image height for an image `height` pixels high.
    func rows(in height: Int) -> Int { height > yStart ? (height - yStart + yStep - 1) / yStep : 0 }
}
