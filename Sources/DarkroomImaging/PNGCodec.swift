import Foundation

/// A decoded PNG file: its pixels and its text chunks.
public struct DecodedPNG: Sendable {
    /// The pixels, converted to 8-bit RGB, or RGBA when the file has any transparency.
    public var image: PixelImage
    /// Every readable `tEXt`, `zTXt` and `iTXt` chunk, in file order.
    public var textChunks: [PNGTextChunk]

    /// Creates a decoded PNG value.
    public init(image: PixelImage, textChunks: [PNGTextChunk]) {
        self.image = image
        self.textChunks = textChunks
    }
}

/// PNG decoding and encoding over the system zlib.
///
/// Decoding accepts every standard PNG: greyscale, RGB, palette, grey+alpha and
/// RGBA at every legal bit depth (16-bit samples keep their high byte; 1/2/4-bit
/// samples are scaled to 0–255), `tRNS` transparency, all five filters and
/// Adam7 interlacing. Every chunk's CRC is checked. Encoding writes 8-bit RGB or
/// RGBA, non-interlaced, with per-row adaptive filtering, and is deterministic.
public enum PNGCodec {
    /// Decodes a PNG file.
    ///
    /// - Throws: `PNGError` describing what is wrong with the file.
    public static func decode(_ data: Data) throws -> DecodedPNG {
        try PNGDecoder.decode([UInt8](data))
    }

    /// Encodes an 8-bit RGB or RGBA image as PNG.
    ///
    /// Each text chunk is written as `tEXt` when its text is Latin-1 and does
    /// not start like JSON (`{` or `[`), otherwise as UTF-8 `iTXt` (compressed
    /// when 1 KiB or longer). Pass no text chunks to write none. The same
    /// arguments always produce byte-identical output.
    ///
    /// - Parameter compressionLevel: zlib level 0 (store) to 9 (smallest); clamped.
    /// - Throws: `PNGError.invalidImage`, `.absurdDimensions` or `.invalidKeyword`.
    public static func encode(_ image: PixelImage, textChunks: [PNGTextChunk] = [], compressionLevel: Int = 6) throws -> Data {
        Data(try PNGEncoder.encode(image, textChunks: textChunks, compressionLevel: compressionLevel))
    }

    /// The text chunks of a PNG file without decoding its pixels (for reading
    /// metadata quickly). Checks the signature, chunk framing and CRCs.
    ///
    /// - Throws: `PNGError` when the file's chunk structure is broken.
    public static func textChunks(in data: Data) throws -> [PNGTextChunk] {
        try PNGChunk.readAll(from: [UInt8](data)).compactMap { chunk in
            ["tEXt", "zTXt", "iTXt"].contains(chunk.type) ? PNGTextCoding.decode(type: chunk.type, data: chunk.data) : nil
        }
    }

    /// Whether `data` starts with the PNG signature (cheap; does not validate the rest).
    public static func isPNG(_ data: Data) -> Bool {
        data.count >= 8 && data.prefix(8).elementsEqual(PNGChunk.signature)
    }
}
