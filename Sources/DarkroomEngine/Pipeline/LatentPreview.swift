/// A cheap picture of latents: an affine map from the latent channels to RGB at latent resolution,
/// `rgb = weights^T · latent + bias` per latent pixel, in 0…1 (clamped), no decoder run.
///
/// Each model's VAE puts colours in its own directions of latent space, so the map is per model:
/// ``fit(latents:images:)`` finds it by least squares from latents and the pictures their decoder made
/// (a model card stores it, see ``ModelCard/latentPreview``); ``stableDiffusion1`` is the widely used
/// approximation of the SD-1.x VAE's colours, for 4-channel models without a calibrated map.
public struct LatentPreview: Sendable, Equatable, Codable {
    /// One row per latent channel; columns R, G, B (0…1 per unit of latent).
    public var weights: [[Float]]
    /// R, G, B at zero latents (0…1).
    public var bias: [Float]

    /// A map from its rows (one per latent channel, three columns each) and bias (three values).
    public init(weights: [[Float]], bias: [Float]) {
        self.weights = weights
        self.bias = bias
    }

    /// Latent channels the map reads.
    public var channels: Int { weights.count }

    /// Whether the map has the shape of an affine map from `channels` channels to RGB, and finite values.
    public var isWellFormed: Bool {
        !weights.isEmpty && weights.allSatisfy { $0.count == 3 && $0.allSatisfy(\.isFinite) }
            && bias.count == 3 && bias.allSatisfy(\.isFinite)
    }

    /// The SD-1.x approximation (latents as the scheduler holds them, i.e. multiplied by the VAE's scaling factor).
    public static let stableDiffusion1 = LatentPreview(
        weights: [[0.149, 0.1035, 0.104], [0.0935, 0.143, 0.0865], [-0.079, 0.0945, 0.132], [-0.092, -0.1355, -0.2365]],
        bias: [0.5, 0.5, 0.5])

    /// The map of the generation running in this task: the one `DiffusionPipeline.generate(_:preview:)`
    /// was given, else SD-1.x colours.
    @TaskLocal static var current: LatentPreview = .stableDiffusion1

    /// The preview the pipeline draws after each step: `current`'s picture of the latents, or nil when
    /// their channel count is not the map's.
    static func image(latents: Tensor) -> RGBImage? { current.image(latents: latents) }

    /// The preview of `[1, channels, h, w]` latents, or nil when the channel count is not the map's.
    public func image(latents: Tensor) -> RGBImage? {
        guard latents.rank == 4, latents.shape[1] == channels, isWellFormed else { return nil }
        return image(scalars: latents.scalars, width: latents.shape[3], height: latents.shape[2])
    }

    /// The preview of planar latents (`channels` planes of `width * height` values).
    public func image(scalars: [Float], width: Int, height: Int) -> RGBImage? {
        let plane = width * height
        guard isWellFormed, scalars.count == channels * plane else { return nil }
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            for c in 0..<3 {
                var value = bias[c]
                for channel in 0..<channels { value += scalars[channel * plane + i] * weights[channel][c] }
                pixels[i * 3 + c] = value.isNaN ? 0 : UInt8((min(max(value, 0), 1) * 255).rounded())
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
