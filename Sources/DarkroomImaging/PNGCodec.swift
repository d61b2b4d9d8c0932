import Foundation

/// A decoded PNG file: its pixels and its text chunks.
public struct DecodedPNG: Sendable {
    /// The pixels, converted to 8-bit RGB, or RGBA when the file has any transparency.
    public var image: PixelImage
    /// Every readable `tEXt`, `zTXt` and `iTXt` chunk within ``TextLimits``, in file order.
    public var textChunks: [PNGTextChunk]
    /// The text chunks left out for breaking ``TextLimits`` (empty for most files).
    public var textLimitNotes: [TextLimitNote]
    /// Where in the file the left-out chunks lie, whole (for ``PNGCodec/removingLeftOutText(_:from:)``).
    var leftOutRanges: [Range<Int>]

    /// Creates a decoded PNG value.
    public init(image: PixelImage, textChunks: [PNGTextChunk], textLimitNotes: [TextLimitNote] = []) {
        self.init(image: image, textChunks: textChunks, textLimitNotes: textLimitNotes, leftOutRanges: [])
    }

    init(image: PixelImage, textChunks: [PNGTextChunk], textLimitNotes: [TextLimitNote], leftOutRanges: [Range<Int>]) {
        self.image = image
        self.textChunks = textChunks
        self.textLimitNotes = textLimitNotes
        self.leftOutRanges = leftOutRanges
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
    /// Only chunks within ``TextLimits`` are returned.
    public static func textChunks(in data: Data) throws -> [PNGTextChunk] {
        var collector = PNGTextCollector()
        for chunk in try PNGChunk.readAll(from: [UInt8](data)) where ["tEXt", "zTXt", "iTXt"].contains(chunk.type) {
            collector.add(chunk)
        }
        return collector.chunks
    }

    /// The file `data` (which `decoded` was decoded from) without the text chunks left out for breaking
    /// ``TextLimits``: every other byte is kept as it is. `data` itself when nothing was left out.
    public static func removingLeftOutText(_ decoded: DecodedPNG, from data: Data) -> Data {
        guard !decoded.leftOutRanges.isEmpty else { return data }
        var kept = Data()
        var start = 0
        for range in decoded.leftOutRanges {
            kept.append(data[(data.startIndex + start)..<(data.startIndex + range.lowerBound)])
            start = range.upperBound
        }
        kept.append(data[(data.startIndex + start)...])
        return kept
    }

    /// Whether `data` starts with the PNG signature (cheap; does not validate the rest).
    public static func isPNG(_ data: Data) -> Bool {
        data.count >= 8 && data.prefix(8).elementsEqual(PNGChunk.signature)
    }
}
