import Foundation

/// A VAE decoder turning latents into images.
public protocol LatentDecoder: Sendable {
    /// Channels of the latent space.
    var latentChannels: Int { get }
    /// Image pixels per latent pixel along each axis (diffusers' `vae_scale_factor`).
    var downsamplingFactor: Int { get }
    /// The factor diffusers multiplies encoder latents by (`scaling_factor`); the pipeline divides by it before decoding.
    var scalingFactor: Float { get }
    /// `[N, latentChannels, h, w]` (already divided by `scalingFactor`) → `[N, 3, h*f, w*f]` in about [-1, 1].
    func decode(_ latents: Tensor) -> Tensor
    /// How the decoder splits large latents when asked to decode in tiles; nil when it always decodes whole
    /// (the default).
    var tiling: DecoderTiling? { get }
}

extension LatentDecoder {
    /// No tiling: the whole latent is decoded at once.
    public var tiling: DecoderTiling? { nil }

    /// Decodes `latents`, in overlapping tiles when `tiled` is set, the decoder has a ``tiling`` and the latents are
    /// larger than one tile (see ``DecoderTiling``); otherwise at once.
    public func decode(_ latents: Tensor, tiled: Bool) -> Tensor {
        guard tiled, let tiling, tiling.applies(latentHeight: latents.shape[2], latentWidth: latents.shape[3]) else {
            return decode(latents)
        }
        return tiling.decode(latents, factor: downsamplingFactor) { decode($0) }
    }
}

/// Loads the decoder of a diffusers `vae` folder, choosing the class from `_class_name`.
public enum LatentDecoderLoader {
    /// `AutoencoderKL` or `AutoencoderTiny` from `directory` (`config.json` + `diffusion_pytorch_model.safetensors`).
    public static func load(directory: URL) throws(ModelLoadError) -> any LatentDecoder {
        let config = try ComponentConfig(component: "vae", url: directory.appendingPathComponent("config.json"))
        let file = try SafeTensorsFile(url: directory.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        let className = try config.string("_class_name", default: "AutoencoderKL")
        let ignored = className == "AutoencoderKL" ? ["encoder.", "quant_conv."] : ["encoder."]
        let weights = ComponentWeights(component: "vae", file: file, ignoredPrefixes: ignored)
        let decoder = try make(className: className, config: config, weights: weights)
        try weights.finishLoading()
        return decoder
    }

    /// A decoder shaped by the `config.json` at `configURL` with seeded random weights (for benchmarks).
    public static func load(configURL: URL, randomWeightsSeed seed: UInt64) throws(ModelLoadError) -> any LatentDecoder {
        let config = try ComponentConfig(component: "vae", url: configURL)
        return try make(className: try config.string("_class_name", default: "AutoencoderKL"), config: config,
                        weights: ComponentWeights(component: "vae", randomSeed: seed))
    }

    private static func make(className: String, config: ComponentConfig,
                             weights: ComponentWeights) throws(ModelLoadError) -> any LatentDecoder {
        switch className {
        case "AutoencoderKL":
            return try AutoencoderKLDecoder(config: config, weights: weights)
        case "AutoencoderTiny":
            return try AutoencoderTinyDecoder(config: config, weights: weights)
        default:
            throw .unsupportedConfig(component: "vae", field: "_class_name", value: className,
                                     supported: "AutoencoderKL, AutoencoderTiny")
        }
    }
}
