/// An 8-bit-per-channel raster image held in memory, row-major, top row first.
///
/// `channels` is 3 (RGB) or 4 (RGBA, straight — not premultiplied — alpha).
/// `pixels` holds `width * height * channels` bytes.
public struct PixelImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Samples per pixel: 3 for RGB, 4 for RGBA.
    public var channels: Int
    /// The samples, `channels` bytes per pixel, rows packed without padding.
    public var pixels: [UInt8]

    /// Creates an image from packed 8-bit samples.
    ///
    /// The initialiser does not validate; `PNGCodec.encode` checks that
    /// `pixels.count == width * height * channels` and that `channels` is 3 or 4.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Whether the image carries an alpha channel.
    public var hasAlpha: Bool { channels == 4 }

    /// The samples of the pixel at (`x`, `y`), `channels` values long.
    public func pixel(x: Int, y: Int) -> ArraySlice<UInt8> {
        let start = (y * width + x) * channels
        return pixels[start..<start + channels]
    }

    /// The image with its alpha composited over an opaque `background` colour,
    /// as a 3-channel image. A 3-channel image is returned unchanged.
    public func flattened(over background: (red: UInt8, green: UInt8, blue: UInt8) = (0, 0, 0)) -> PixelImage {
        guard channels == 4 else { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let back = [Int(background.red), Int(background.green), Int(background.blue)]
        for index in 0..<(width * height) {
            let alpha = Int(pixels[index * 4 + 3])
            for channel in 0..<3 {
                let value = Int(pixels[index * 4 + channel]) * alpha + back[channel] * (255 - alpha)
                out[index * 3 + channel] = UInt8((value + 127) / 255)
            }
        }
        return PixelImage(width: width, height: height, channels: 3, pixels: out)
    }
}
