/// Encodes an image as DEC sixel graphics with a fixed 6x6x6 colour cube.
enum SixelEncoder {
    /// Levels per channel in the colour cube.
    static let levels = 6

    /// The cube index (0–215) of an RGB colour.
    static func paletteIndex(red: UInt8, green: UInt8, blue: UInt8) -> Int {
        func level(_ v: UInt8) -> Int { (Int(v) * (levels - 1) + 127) / 255 }
        return level(red) * levels * levels + level(green) * levels + level(blue)
    }

    /// The colour of cube entry `index` in sixel percent units (0–100 per channel).
    static func percent(ofPaletteIndex index: Int) -> (red: Int, green: Int, blue: Int) {
        let step = 100 / (levels - 1)
        return (index / (levels * levels) * step, index / levels % levels * step, index % levels * step)
    }

    /// The sixel sequence for `image` (alpha composited over black):
    /// `DCS 0;1;0 q`, raster attributes `"1;1;W;H`, the colour registers used,
    /// then one 6-pixel band per `-`, each colour's run within a band drawn
    /// after a `$` carriage return, run-length coded with `!`, ended by `ST`.
    static func encode(_ image: PixelImage) -> String {
        let picture = image.flattened()
        let width = picture.width, height = picture.height
        var indices = [Int](repeating: 0, count: width * height)
        var used = Set<Int>()
        for pixel in 0..<(width * height) {
            let p = pixel * 3
            let index = paletteIndex(red: picture.pixels[p], green: picture.pixels[p + 1], blue: picture.pixels[p + 2])
            indices[pixel] = index
            used.insert(index)
        }
        var out = "\u{1B}P0;1;0q\"1;1;\(width);\(height)"
        for index in used.sorted() {
            let colour = percent(ofPaletteIndex: index)
            out += "#\(index);2;\(colour.red);\(colour.green);\(colour.blue)"
        }
        let bands = (height + 5) / 6
        var sixels = [UInt8](repeating: 0, count: width)
        for band in 0..<bands {
            let top = band * 6
            var colours = Set<Int>()
            for y in top..<min(top + 6, height) { for x in 0..<width { colours.insert(indices[y * width + x]) } }
            for (position, colour) in colours.sorted().enumerated() {
                for x in 0..<width {
                    var bits: UInt8 = 0
                    for bit in 0..<min(6, height - top) where indices[(top + bit) * width + x] == colour {
                        bits |= 1 << UInt8(bit)
                    }
                    sixels[x] = bits
                }
                if position > 0 { out += "$" }
                out += "#\(colour)" + runLengthEncoded(sixels)
            }
            if band < bands - 1 { out += "-" }
        }
        return out + "\u{1B}\\\n"
    }

    /// Sixel characters (63 + bits) for a row of bit patterns, runs of four or
    /// more written as `!count char`.
    static func runLengthEncoded(_ row: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < row.count {
            var j = i
            while j < row.count && row[j] == row[i] { j += 1 }
            let character = String(UnicodeScalar(63 + row[i]))
            let run = j - i
            out += run >= 4 ? "!\(run)\(character)" : String(repeating: character, count: run)
            i = j
        }
        return out
    }
}
