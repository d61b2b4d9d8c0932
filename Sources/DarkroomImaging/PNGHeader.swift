/// The fields of a PNG `IHDR` chunk and the row geometry they imply.
struct PNGHeader: Equatable {
    /// PNG colour types.
    enum ColorType: UInt8 {
        case grayscale = 0, rgb = 2, palette = 3, grayscaleAlpha = 4, rgba = 6

        /// Samples stored per pixel in the file.
        var samplesPerPixel: Int {
            switch self {
            case .grayscale, .palette: return 1
            case .grayscaleAlpha: return 2
            case .rgb: return 3
            case .rgba: return 4
            }
        }

        /// The bit depths PNG allows for this colour type.
        var allowedBitDepths: Set<Int> {
            switch self {
            case .grayscale: return [1, 2, 4, 8, 16]
            case .palette: return [1, 2, 4, 8]
            case .rgb, .grayscaleAlpha, .rgba: return [8, 16]
            }
        }
    }

    var width: Int
    var height: Int
    var bitDepth: Int
    var colorType: ColorType
    var interlaced: Bool

    /// Parses and validates the 13 bytes of an `IHDR` chunk.
    init(chunkData data: ArraySlice<UInt8>) throws {
        guard data.count == 13 else {
            throw PNGError.malformedChunk(chunk: "IHDR", reason: "length \(data.count), expected 13")
        }
        let bytes = Array(data)
        width = Int(ByteReading.uint32(bytes, at: 0))
        height = Int(ByteReading.uint32(bytes, at: 4))
        bitDepth = Int(bytes[8])
        guard PNGLimits.accepts(width: width, height: height) else {
            throw PNGError.absurdDimensions(width: width, height: height)
        }
        guard let type = ColorType(rawValue: bytes[9]), type.allowedBitDepths.contains(bitDepth) else {
            throw PNGError.unsupportedFormat(bitDepth: bitDepth, colorType: Int(bytes[9]))
        }
        colorType = type
        guard bytes[10] == 0 else { throw PNGError.unsupportedMethod("compression method \(bytes[10])") }
        guard bytes[11] == 0 else { throw PNGError.unsupportedMethod("filter method \(bytes[11])") }
        guard bytes[12] <= 1 else { throw PNGError.unsupportedMethod("interlace method \(bytes[12])") }
        interlaced = bytes[12] == 1
    }

    /// A header for an 8-bit RGB or RGBA image, as the encoder writes it.
    init(width: Int, height: Int, rgbaAlpha: Bool) {
        self.width = width
        self.height = height
        bitDepth = 8
        colorType = rgbaAlpha ? .rgba : .rgb
        interlaced = false
    }

    /// The 13-byte `IHDR` payload.
    var chunkData: [UInt8] {
        ByteReading.bigEndian(UInt32(width)) + ByteReading.bigEndian(UInt32(height))
            + [UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0]
    }

    /// Bits per pixel in the file.
    var bitsPerPixel: Int { bitDepth * colorType.samplesPerPixel }

    /// The byte distance filters look back: bytes per complete pixel, at least 1.
    var filterStride: Int { max(1, bitsPerPixel / 8) }

    /// Bytes in one scanline of `pixels` pixels, without the filter-type byte.
    func rowBytes(pixels: Int) -> Int { (pixels * bitsPerPixel + 7) / 8 }
}
