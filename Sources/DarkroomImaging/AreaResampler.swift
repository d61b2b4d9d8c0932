/// Resizes images by exact area averaging: each output pixel is the mean of
/// the source area it covers, partial pixels weighted by coverage. Alpha is
/// handled premultiplied so transparent pixels do not bleed their colour.
enum AreaResampler {
    /// Per output index, the source indices it covers and their weights (summing to 1).
    private static func coverage(from source: Int, to target: Int) -> [[(index: Int, weight: Double)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { out in
            let start = Double(out) * scale, end = Double(out + 1) * scale
            var taps: [(index: Int, weight: Double)] = []
            var index = Int(start)
            while Double(index) < end && index < source {
                let covered = min(end, Double(index + 1)) - max(start, Double(index))
                if covered > 1e-12 { taps.append((index, covered / scale)) }
                index += 1
            }
            return taps
        }
    }

    /// `image` resized to `width` x `height` (each at least 1).
    static func resize(_ image: PixelImage, width: Int, height: Int) -> PixelImage {
        let width = max(1, width), height = max(1, height)
        if width == image.width && height == image.height { return image }
        let channels = image.channels
        let alpha = channels == 4
        // Premultiplied floating-point copy of the source.
        var source = [Double](repeating: 0, count: image.pixels.count)
        for pixel in 0..<(image.width * image.height) {
            let base = pixel * channels
            let a = alpha ? Double(image.pixels[base + 3]) / 255 : 1
            for c in 0..<channels {
                let value = Double(image.pixels[base + c])
                source[base + c] = (alpha && c < 3) ? value * a : value
            }
        }
        // Horizontal pass: image.height rows of `width` pixels.
        let columns = coverage(from: image.width, to: width)
        var horizontal = [Double](repeating: 0, count: width * image.height * channels)
        for y in 0..<image.height {
            for x in 0..<width {
                let out = (y * width + x) * channels
                for tap in columns[x] {
                    let src = (y * image.width + tap.index) * channels
                    for c in 0..<channels { horizontal[out + c] += source[src + c] * tap.weight }
                }
            }
        }
        // Vertical pass.
        let rows = coverage(from: image.height, to: height)
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        var accumulator = [Double](repeating: 0, count: channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels { accumulator[c] = 0 }
                for tap in rows[y] {
                    let src = (tap.index * width + x) * channels
                    for c in 0..<channels { accumulator[c] += horizontal[src + c] * tap.weight }
                }
                let out = (y * width + x) * channels
                let a = alpha ? accumulator[3] / 255 : 1
                for c in 0..<channels {
                    var value = accumulator[c]
                    if alpha && c < 3 { value = a > 0 ? value / a : 0 }
                    pixels[out + c] = UInt8(max(0, min(255, value.rounded())))
                }
            }
        }
        return PixelImage(width: width, height: height, channels: channels, pixels: pixels)
    }
}
