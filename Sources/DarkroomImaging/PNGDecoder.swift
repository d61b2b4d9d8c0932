/// Turns the chunks of a PNG file into a `DecodedPNG`.
struct PNGDecoder {
    private let header: PNGHeader
    private var palette: [UInt8] = []          // RGB triples
    private var paletteAlpha: [UInt8] = []     // tRNS for palette images
    private var transparentKey: [Int]? = nil   // tRNS sample values for grey / RGB
    private var compressed: [UInt8] = []
    private var text = PNGTextCollector()

    /// Decodes a whole PNG file.
    static func decode(_ bytes: [UInt8]) throws -> DecodedPNG {
        let chunks = try PNGChunk.readAll(from: bytes)
        guard let first = chunks.first, first.type == "IHDR" else { throw PNGError.missingChunk("IHDR") }
        var decoder = PNGDecoder(header: try PNGHeader(chunkData: first.data))
        var sawIDAT = false
        for chunk in chunks.dropFirst() {
            switch chunk.type {
            case "IHDR":
                throw PNGError.malformedChunk(chunk: "IHDR", reason: "appears twice")
            case "PLTE":
                guard chunk.data.count % 3 == 0, (3...768).contains(chunk.data.count) else {
                    throw PNGError.malformedChunk(chunk: "PLTE", reason: "length \(chunk.data.count)")
                }
                decoder.palette = Array(chunk.data)
            case "tRNS":
                try decoder.readTransparency(chunk.data)
            case "IDAT":
                sawIDAT = true
                decoder.compressed += chunk.data
            case "IEND":
                break
            case "tEXt", "zTXt", "iTXt":
                decoder.text.add(chunk)
            default:
                if chunk.isCritical { throw PNGError.unsupportedCriticalChunk(chunk.type) }
            }
        }
        guard sawIDAT else { throw PNGError.missingChunk("IDAT") }
        if decoder.header.colorType == .palette && decoder.palette.isEmpty { throw PNGError.missingChunk("PLTE") }
        let image = try decoder.decodePixels()
        return DecodedPNG(image: image, textChunks: decoder.text.chunks, textLimitNotes: decoder.text.notes,
                          leftOutRanges: decoder.text.leftOutRanges)
    }

    private init(header: PNGHeader) { self.header = header }

    private mutating func readTransparency(_ data: ArraySlice<UInt8>) throws {
        switch header.colorType {
        case .palette:
            paletteAlpha = Array(data)
        case .grayscale:
            guard data.count == 2 else { throw PNGError.malformedChunk(chunk: "tRNS", reason: "length \(data.count)") }
            transparentKey = [ByteReading.uint16(data, at: 0)]
        case .rgb:
            guard data.count == 6 else { throw PNGError.malformedChunk(chunk: "tRNS", reason: "length \(data.count)") }
            transparentKey = [0, 2, 4].map { ByteReading.uint16(data, at: $0) }
        case .grayscaleAlpha, .rgba:
            break  // not allowed by the spec; ignored as libpng does
        }
    }

    /// Whether the decoded image needs an alpha channel.
    private var outputHasAlpha: Bool {
        switch header.colorType {
        case .grayscaleAlpha, .rgba: return true
        case .palette: return !paletteAlpha.isEmpty
        case .grayscale, .rgb: return transparentKey != nil
        }
    }

    private func decodePixels() throws -> PixelImage {
        let passes = InterlacePass.passes(for: header)
        var expected = 0
        for pass in passes {
            let columns = pass.columns(in: header.width), rows = pass.rows(in: header.height)
            if columns > 0 && rows > 0 { expected += rows * (1 + header.rowBytes(pixels: columns)) }
        }
        var raw = try Zlib.inflate(compressed, expectedSize: expected)
        let channels = outputHasAlpha ? 4 : 3
        var pixels = [UInt8](repeating: 0, count: header.width * header.height * channels)
        var offset = 0
        var rowIndex = 0
        for pass in passes {
            let columns = pass.columns(in: header.width), rows = pass.rows(in: header.height)
            guard columns > 0 && rows > 0 else { continue }
            let rowBytes = header.rowBytes(pixels: columns)
            var previous = [UInt8](repeating: 0, count: rowBytes)
            for passRow in 0..<rows {
                let filterByte = raw[offset]
                guard let filter = ScanlineFilter(rawValue: filterByte) else {
                    throw PNGError.invalidFilter(type: filterByte, row: rowIndex)
                }
                let start = offset + 1
                raw.withUnsafeMutableBufferPointer { all in
                    let row = UnsafeMutableBufferPointer(rebasing: all[start..<(start + rowBytes)])
                    previous.withUnsafeBufferPointer { filter.unfilter(row, previous: $0, stride: header.filterStride) }
                    previous.withUnsafeMutableBufferPointer { _ = $0.initialize(from: row) }
                }
                expand(row: previous, columns: columns, y: pass.yStart + passRow * pass.yStep,
                       pass: pass, channels: channels, into: &pixels)
                offset = start + rowBytes
                rowIndex += 1
            }
        }
        return PixelImage(width: header.width, height: header.height, channels: channels, pixels: pixels)
    }

    /// The file sample `index` of a reconstructed row, at the header's bit depth.
    @inline(__always)
    private func sample(_ row: [UInt8], _ index: Int) -> Int {
        switch header.bitDepth {
        case 8: return Int(row[index])
        case 16: return Int(row[index * 2]) << 8 | Int(row[index * 2 + 1])
        default:
            let bitOffset = index * header.bitDepth
            let shift = 8 - header.bitDepth - (bitOffset & 7)
            return Int(row[bitOffset >> 3] >> UInt8(shift)) & ((1 << header.bitDepth) - 1)
        }
    }

    /// A file sample scaled to 8 bits (16-bit samples keep their high byte).
    @inline(__always)
    private func to8(_ value: Int) -> UInt8 {
        switch header.bitDepth {
        case 16: return UInt8(value >> 8)
        case 8: return UInt8(value)
        default: return UInt8(value * 255 / ((1 << header.bitDepth) - 1))
        }
    }

    /// Converts one reconstructed row to 8-bit RGB(A) pixels in `pixels`.
    private func expand(row: [UInt8], columns: Int, y: Int, pass: InterlacePass, channels: Int, into pixels: inout [UInt8]) {
        let samplesPerPixel = header.colorType.samplesPerPixel
        for column in 0..<columns {
            let x = pass.xStart + column * pass.xStep
            let out = (y * header.width + x) * channels
            let first = column * samplesPerPixel
            var rgba: (UInt8, UInt8, UInt8, UInt8)
            switch header.colorType {
            case .grayscale:
                let value = sample(row, first)
                let gray = to8(value)
                rgba = (gray, gray, gray, transparentKey?[0] == value ? 0 : 255)
            case .grayscaleAlpha:
                let gray = to8(sample(row, first))
                rgba = (gray, gray, gray, to8(sample(row, first + 1)))
            case .rgb:
                let values = (sample(row, first), sample(row, first + 1), sample(row, first + 2))
                let transparent = transparentKey.map { $0 == [values.0, values.1, values.2] } ?? false
                rgba = (to8(values.0), to8(values.1), to8(values.2), transparent ? 0 : 255)
            case .rgba:
                rgba = (to8(sample(row, first)), to8(sample(row, first + 1)), to8(sample(row, first + 2)), to8(sample(row, first + 3)))
            case .palette:
                let index = sample(row, first)
                if index * 3 + 2 < palette.count {
                    rgba = (palette[index * 3], palette[index * 3 + 1], palette[index * 3 + 2],
                            index < paletteAlpha.count ? paletteAlpha[index] : 255)
                } else {
                    rgba = (0, 0, 0, 255)  // out-of-range index: black, as libpng does
                }
            }
            pixels[out] = rgba.0
            pixels[out + 1] = rgba.1
            pixels[out + 2] = rgba.2
            if channels == 4 { pixels[out + 3] = rgba.3 }
        }
    }
}
