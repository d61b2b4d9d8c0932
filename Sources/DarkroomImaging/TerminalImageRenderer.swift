import Foundation

/// Renders a picture as text and escape sequences for a terminal.
public enum TerminalImageRenderer {
    /// The escape character.
    static let escape = "\u{1B}"
    /// Base64 characters per kitty graphics chunk.
    static let kittyChunkSize = 4096
    /// The longest side of the PNG sent to kitty / iTerm2 (terminals scale it to the cells).
    static let maxInlinePixels = 1024
    /// The pixel size assumed for one terminal cell when sizing sixel output.
    static let assumedCellPixels = (width: 10, height: 20)

    /// The text that shows `image` in at most `maxColumns` x `maxRows` cells
    /// with `proto`, ending with a newline (empty for `.none` or an empty or
    /// inconsistent image). The aspect ratio is kept, assuming cells twice as
    /// high as wide.
    public static func render(_ image: PixelImage, as proto: TerminalImageProtocol, maxColumns: Int, maxRows: Int) -> String {
        guard image.width > 0, image.height > 0, image.channels == 3 || image.channels == 4,
              image.pixels.count == image.width * image.height * image.channels else { return "" }
        let columns = max(1, maxColumns), rows = max(1, maxRows)
        switch proto {
        case .none: return ""
        case .blocks: return blocks(image, maxColumns: columns, maxRows: rows)
        case .kitty: return kitty(image, maxColumns: columns, maxRows: rows)
        case .iterm: return iterm(image, maxColumns: columns, maxRows: rows)
        case .sixel: return SixelEncoder.encode(sixelSized(image, maxColumns: columns, maxRows: rows))
        }
    }

    /// The cell grid (columns x rows) that fits `image` in the budget, cells being 1:2.
    static func cellGrid(for image: PixelImage, maxColumns: Int, maxRows: Int) -> (columns: Int, rows: Int) {
        let aspect = Double(image.height) / Double(image.width) / 2  // rows per column
        var columns = maxColumns
        var rows = Int((Double(columns) * aspect).rounded(.up))
        if rows > maxRows {
            rows = maxRows
            columns = max(1, min(maxColumns, Int((Double(rows) / aspect).rounded())))
        }
        return (columns, max(1, rows))
    }

    // MARK: Half blocks

    /// Upper-half blocks: each cell shows two pixels, the upper as foreground
    /// colour and the lower as background colour. The image is scaled (area
    /// average) to fill `maxColumns` x `2·maxRows` pixels, aspect kept.
    static func blocks(_ image: PixelImage, maxColumns: Int, maxRows: Int) -> String {
        let scale = min(Double(maxColumns) / Double(image.width), Double(2 * maxRows) / Double(image.height))
        let width = max(1, min(maxColumns, Int((Double(image.width) * scale).rounded())))
        let height = max(1, min(2 * maxRows, Int((Double(image.height) * scale).rounded())))
        let picture = AreaResampler.resize(image, width: width, height: height).flattened()
        var out = ""
        func rgb(_ x: Int, _ y: Int) -> String {
            let p = (y * width + x) * 3
            return "\(picture.pixels[p]);\(picture.pixels[p + 1]);\(picture.pixels[p + 2])"
        }
        for y in stride(from: 0, to: height, by: 2) {
            for x in 0..<width {
                if y + 1 < height {
                    out += "\(escape)[38;2;\(rgb(x, y))m\(escape)[48;2;\(rgb(x, y + 1))m▀"
                } else {
                    out += "\(escape)[38;2;\(rgb(x, y))m\(escape)[49m▀"
                }
            }
            out += "\(escape)[0m\n"
        }
        return out
    }

    // MARK: kitty and iTerm2

    /// The PNG bytes sent inline: the image shrunk to `maxInlinePixels`, no text chunks.
    private static func inlinePNG(_ image: PixelImage) -> Data? {
        try? PNGCodec.encode(Thumbnail.make(from: image, maxSide: maxInlinePixels), compressionLevel: 1)
    }

    /// kitty graphics protocol: transmit-and-display (`a=T`) a PNG (`f=100`)
    /// over `c` x `r` cells, quietly (`q=2`), base64 in 4096-byte chunks (`m=1`
    /// on all but the last).
    static func kitty(_ image: PixelImage, maxColumns: Int, maxRows: Int) -> String {
        guard let png = inlinePNG(image) else { return "" }
        let grid = cellGrid(for: image, maxColumns: maxColumns, maxRows: maxRows)
        let payload = Array(png.base64EncodedString().utf8)
        var out = ""
        var start = 0
        repeat {
            let end = min(payload.count, start + kittyChunkSize)
            let more = end < payload.count ? 1 : 0
            let keys = start == 0 ? "a=T,f=100,q=2,c=\(grid.columns),r=\(grid.rows),m=\(more)" : "m=\(more)"
            out += "\(escape)_G\(keys);\(String(decoding: payload[start..<end], as: UTF8.self))\(escape)\\"
            start = end
        } while start < payload.count
        return out + "\n"
    }

    /// iTerm2 inline image: `OSC 1337 ; File=inline=1;size=…;width=…;height=… : base64 BEL`.
    static func iterm(_ image: PixelImage, maxColumns: Int, maxRows: Int) -> String {
        guard let png = inlinePNG(image) else { return "" }
        let grid = cellGrid(for: image, maxColumns: maxColumns, maxRows: maxRows)
        return "\(escape)]1337;File=inline=1;size=\(png.count);width=\(grid.columns);height=\(grid.rows);"
            + "preserveAspectRatio=1:\(png.base64EncodedString())\u{07}\n"
    }

    // MARK: Sixel

    /// The image shrunk (never enlarged) to the pixels of the cell budget,
    /// assuming `assumedCellPixels` per cell.
    static func sixelSized(_ image: PixelImage, maxColumns: Int, maxRows: Int) -> PixelImage {
        let boxWidth = maxColumns * assumedCellPixels.width, boxHeight = maxRows * assumedCellPixels.height
        let scale = min(1, Double(boxWidth) / Double(image.width), Double(boxHeight) / Double(image.height))
        return AreaResampler.resize(image, width: max(1, Int((Double(image.width) * scale).rounded())),
                                    height: max(1, Int((Double(image.height) * scale).rounded())))
    }
}
