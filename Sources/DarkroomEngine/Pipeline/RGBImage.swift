/// An 8-bit RGB image, interleaved, rows top to bottom.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height * 3` bytes: R, G, B for each pixel, row-major.
    public let pixels: [UInt8]

    /// An image from interleaved RGB bytes (`pixels.count == width * height * 3`).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage: \(pixels.count) bytes for \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Converts the first image of an NCHW tensor with values in [-1, 1] the way diffusers does:
    /// `round(clamp(x / 2 + 0.5, 0, 1) * 255)`.
    init(signedUnitImage tensor: Tensor) {
        precondition(tensor.rank == 4 && tensor.shape[1] == 3, "RGBImage: need [N, 3, H, W], got \(tensor.shape)")
        let (height, width) = (tensor.shape[2], tensor.shape[3])
        let plane = height * width
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        for c in 0..<3 {
            for i in 0..<plane {
                let scalar = tensor.scalars[c * plane + i]
                let value = scalar.isNaN ? 0 : min(max(scalar / 2 + 0.5, 0), 1)   // NaN never reaches UInt8()
                pixels[i * 3 + c] = UInt8((value * 255).rounded())
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}
