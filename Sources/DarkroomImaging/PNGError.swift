/// Why a PNG file could not be decoded or an image could not be encoded.
public enum PNGError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data does not start with the 8-byte PNG signature.
    case notPNG
    /// The file ends in the middle of a chunk or before `IEND`.
    case truncated
    /// A chunk's stored CRC does not match its contents.
    case badCRC(chunk: String)
    /// A chunk is malformed (wrong length, bad field value, wrong position).
    case malformedChunk(chunk: String, reason: String)
    /// A required chunk (`IHDR`, `PLTE` for palette images, `IDAT`) is absent.
    case missingChunk(String)
    /// The file needs a critical chunk this decoder does not understand.
    case unsupportedCriticalChunk(String)
    /// The bit depth / colour type combination is not valid PNG or not supported.
    case unsupportedFormat(bitDepth: Int, colorType: Int)
    /// Interlace, compression or filter method values that PNG does not define.
    case unsupportedMethod(String)
    /// The declared dimensions are zero or too large to decode safely.
    case absurdDimensions(width: Int, height: Int)
    /// The image data inflated to a different size than the header implies.
    case decompressedSizeMismatch(expected: Int, actual: Int)
    /// zlib reported an error.
    case zlib(code: Int32, message: String)
    /// A scanline used a filter type outside 0–4.
    case invalidFilter(type: UInt8, row: Int)
    /// The image handed to the encoder is inconsistent (channel count or buffer size).
    case invalidImage(String)
    /// A text chunk keyword the encoder cannot write (empty, too long, not Latin-1).
    case invalidKeyword(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .notPNG:
            return "Not a PNG file: the data does not start with the PNG signature."
        case .truncated:
            return "The PNG file is truncated: it ends before the IEND chunk. Re-copy or re-export it."
        case .badCRC(let chunk):
            return "The PNG file is corrupt: the checksum of its \(chunk) chunk does not match."
        case .malformedChunk(let chunk, let reason):
            return "The PNG file is corrupt: its \(chunk) chunk is malformed (\(reason))."
        case .missingChunk(let chunk):
            return "The PNG file is incomplete: it has no \(chunk) chunk."
        case .unsupportedCriticalChunk(let chunk):
            return "The PNG file needs a chunk this decoder does not support (\(chunk)); convert it to a plain PNG first."
        case .unsupportedFormat(let depth, let type):
            return "Unsupported PNG pixel format: bit depth \(depth) with colour type \(type)."
        case .unsupportedMethod(let what):
            return "Unsupported PNG \(what)."
        case .absurdDimensions(let width, let height):
            return "Refusing to decode a \(width)x\(height) PNG: sides must be 1–\(PNGLimits.maxSide) pixels and the area at most \(PNGLimits.maxPixels) pixels (64 Mpx)."
        case .decompressedSizeMismatch(let expected, let actual):
            return "The PNG file is corrupt: its image data holds \(actual) bytes where \(expected) were expected."
        case .zlib(let code, let message):
            return "The PNG image data could not be (de)compressed: zlib error \(code) (\(message))."
        case .invalidFilter(let type, let row):
            return "The PNG file is corrupt: scanline \(row) uses unknown filter type \(type)."
        case .invalidImage(let reason):
            return "Cannot encode the image as PNG: \(reason)."
        case .invalidKeyword(let keyword):
            return "Cannot write PNG text chunk keyword \"\(keyword)\": keywords are 1–79 printable Latin-1 characters without leading, trailing or double spaces."
        }
    }
}

/// Size limits that keep a hostile file from exhausting memory.
public enum PNGLimits {
    /// The largest width or height accepted, in pixels.
    public static let maxSide = 16_384
    /// The largest pixel count accepted (64 megapixels).
    public static let maxPixels = 64 * 1024 * 1024
    /// The largest text chunk accepted, in bytes of text, compressed or not; longer ones are skipped
    /// (``TextLimits/maxTextChunkBytes``, 1 MiB).
    public static let maxTextBytes = TextLimits.maxTextChunkBytes

    /// Whether a `width` x `height` image is within the limits.
    static func accepts(width: Int, height: Int) -> Bool {
        width >= 1 && height >= 1 && width <= maxSide && height <= maxSide && width * height <= maxPixels
    }
}
