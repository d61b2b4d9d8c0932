/// Writes 8-bit RGB / RGBA PNG files.
enum PNGEncoder {
    /// Uncompressed image data is split into `IDAT` chunks of at most this many bytes.
    static let maxIDATLength = 256 * 1024

    /// Encodes `image`, writing `textChunks` before the image data.
    static func encode(_ image: PixelImage, textChunks: [PNGTextChunk], compressionLevel: Int) throws -> [UInt8] {
        guard image.channels == 3 || image.channels == 4 else {
            throw PNGError.invalidImage("\(image.channels) channels; only 3 (RGB) and 4 (RGBA) are supported")
        }
        guard PNGLimits.accepts(width: image.width, height: image.height) else {
            throw PNGError.absurdDimensions(width: image.width, height: image.height)
        }
        guard image.pixels.count == image.width * image.height * image.channels else {
            throw PNGError.invalidImage("\(image.pixels.count) bytes of pixels for a \(image.width)x\(image.height)x\(image.channels) image (expected \(image.width * image.height * image.channels))")
        }
        let header = PNGHeader(width: image.width, height: image.height, rgbaAlpha: image.channels == 4)
        let filtered = filterRows(image, stride: header.filterStride)
        let compressed = try Zlib.deflate(filtered, level: compressionLevel)

        var output = PNGChunk.signature
        output.reserveCapacity(compressed.count + 1024)
        PNGChunk.write(type: "IHDR", data: header.chunkData, to: &output)
        for chunk in textChunks {
            let encoded = try PNGTextCoding.encode(chunk, compressionLevel: compressionLevel)
            PNGChunk.write(type: encoded.type, data: encoded.data, to: &output)
        }
        var start = 0
        repeat {
            let end = min(compressed.count, start + maxIDATLength)
            PNGChunk.write(type: "IDAT", data: Array(compressed[start..<end]), to: &output)
            start = end
        } while start < compressed.count
        PNGChunk.write(type: "IEND", data: [], to: &output)
        return output
    }

    /// Filters every row with the filter giving the smallest sum of absolute
    /// (signed) outputs, prefixing each row with its filter type byte.
    private static func filterRows(_ image: PixelImage, stride: Int) -> [UInt8] {
        let rowBytes = image.width * image.channels
        var output = [UInt8](repeating: 0, count: image.height * (rowBytes + 1))
        var candidate = [UInt8](repeating: 0, count: rowBytes)
        var best = [UInt8](repeating: 0, count: rowBytes)
        let zeros = [UInt8](repeating: 0, count: rowBytes)
        image.pixels.withUnsafeBufferPointer { pixels in
            zeros.withUnsafeBufferPointer { zeroRow in
                for y in 0..<image.height {
                    let row = UnsafeBufferPointer(rebasing: pixels[(y * rowBytes)..<((y + 1) * rowBytes)])
                    let previous = y == 0 ? zeroRow : UnsafeBufferPointer(rebasing: pixels[((y - 1) * rowBytes)..<(y * rowBytes)])
                    var bestScore = Int.max
                    var bestFilter = ScanlineFilter.none
                    for filter in ScanlineFilter.allCases {
                        let score = candidate.withUnsafeMutableBufferPointer {
                            filter.filter(row, previous: previous, stride: stride, into: $0)
                        }
                        if score < bestScore {
                            bestScore = score
                            bestFilter = filter
                            swap(&candidate, &best)
                        }
                    }
                    let start = y * (rowBytes + 1)
                    output[start] = bestFilter.rawValue
                    output.replaceSubrange((start + 1)..<(start + 1 + rowBytes), with: best)
                }
            }
        }
        return output
    }
}
