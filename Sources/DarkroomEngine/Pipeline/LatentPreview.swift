/// A cheap picture of Stable-Diffusion latents: a fixed linear map from the 4 latent channels
/// to RGB at latent resolution (the widely used approximation of the SD-1.x VAE's colours).
enum LatentPreview {
    /// Rows: latent channels; columns: R, G, B contributions.
    static let projection: [[Float]] = [
        [0.298, 0.207, 0.208],
        [0.187, 0.286, 0.173],
        [-0.158, 0.189, 0.264],
        [-0.184, -0.271, -0.473],
    ]

    /// The preview of `[1, 4, h, w]` latents, or nil for other channel counts.
    static func image(latents: Tensor) -> RGBImage? {
        guard latents.rank == 4, latents.shape[1] == projection.count else { return nil }
        let (height, width) = (latents.shape[2], latents.shape[3])
        let plane = height * width
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            for c in 0..<3 {
                var value: Float = 0
                for channel in 0..<projection.count { value += latents.scalars[channel * plane + i] * projection[channel][c] }
                pixels[i * 3 + c] = value.isNaN ? 0 : UInt8((min(max(value / 2 + 0.5, 0), 1) * 255).rounded())
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
