import Foundation

/// A VAE encoder turning images into the latents image-to-image and inpainting start from.
protocol LatentEncoder: Sendable {
    /// Channels of the latent space.
    var latentChannels: Int { get }
    /// Image pixels per latent pixel along each axis.
    var downsamplingFactor: Int { get }
    /// `scaling_factor`: diffusion latents are the encoder's latents times this.
    var scalingFactor: Float { get }
    /// Whether `encode` samples a distribution (drawing one normal per latent value from the generator).
    var samplesLatents: Bool { get }
    /// diffusers' `retrieve_latents(vae.encode(image), generator)` for `[N, 3, H, W]` images in [-1, 1]:
    /// a sample of the latent distribution for `AutoencoderKL` (drawing from `generator`), the
    /// deterministic latents for `AutoencoderTiny` (drawing nothing). Not yet multiplied by `scalingFactor`.
    func encode(_ image: Tensor, generator: inout TorchGenerator) -> Tensor
}

/// Loads the encoder of a diffusers `vae` folder, choosing the class from `_class_name`.
enum LatentEncoderLoader {
    /// The encoder of `source`: a diffusers `vae` folder, or a single-file checkpoint (original layout, whose
    /// `first_stage_model.encoder.*` tensors are mapped as ``SingleFileCheckpoint`` maps the decoder's).
    static func load(source: URL) throws(ModelLoadError) -> any LatentEncoder {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            return try load(checkpoint: source)
        }
        return try load(directory: source)
    }

    /// The `AutoencoderKL` encoder (and `quant_conv`) of a single-file checkpoint.
    static func load(checkpoint: URL) throws(ModelLoadError) -> any LatentEncoder {
        let source = try SingleFileCheckpoint(url: checkpoint)
        let weights = ComponentWeights(component: "vae", file: source.file, sources: source.vaeSources,
                                       ignoredPrefixes: ["decoder.", "post_quant_conv."])
        let encoder = try AutoencoderKLEncoder(config: source.vaeConfig, weights: weights)
        try weights.finishLoading()
        return encoder
    }

    /// `AutoencoderKL` or `AutoencoderTiny` encoder weights from `directory`; the decoder's tensors are ignored.
    static func load(directory: URL) throws(ModelLoadError) -> any LatentEncoder {
        let config = try ComponentConfig(component: "vae", url: directory.appendingPathComponent("config.json"))
        switch try config.string("_class_name", default: "AutoencoderKL") {
        case "AutoencoderTiny":
            let file = try SafeTensorsFile(url: directory.appendingPathComponent("diffusion_pytorch_model.safetensors"))
            let weights = ComponentWeights(component: "vae", file: file, ignoredPrefixes: ["decoder."])
            let encoder = try AutoencoderTinyEncoder(config: config, weights: weights)
            try weights.finishLoading()
            return encoder
        default:
            return try AutoencoderKLEncoder(directory: directory)
        }
    }
}
