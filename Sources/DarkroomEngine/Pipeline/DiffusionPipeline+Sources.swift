import DarkroomCrypto
import Foundation

/// The loaded pieces a ``DiffusionPipeline`` is built from, whatever they were loaded from.
struct PipelineParts {
    var tokenizer: CLIPTokenizer
    var textEncoder: CLIPTextModel
    var unet: UNet2DConditionModel
    var decoder: any LatentDecoder
    var schedulerConfig: SchedulerConfig
    var modelHash: String
    /// Where the VAE encoder for image input is loaded from.
    var vaeDirectory: URL
}

extension DiffusionPipeline {
    /// Loads the diffusers folder at `modelDirectory` (the one holding `model_index.json`), with `loras`
    /// merged into its weights as they load (each weight a LoRA touches gets `scale · alpha / rank · up · down`
    /// added, as diffusers' `load_lora_weights` + `set_adapters(names, adapter_weights: scales)` computes;
    /// nothing else is copied), and `embeddings` added as diffusers' `load_textual_inversion(file, token: name)`
    /// adds them (see ``TextualInversionReference``).
    ///
    /// ``modelHash`` is the folder's hash whatever the LoRAs: callers record each LoRA's SHA-256 and scale
    /// (``LoRAInfo``) beside it.
    ///
    /// - Throws: ``ModelLoadError`` (or the tokenizer's and scheduler's load errors) with an actionable
    ///   message; for a LoRA: a missing file, a pickle, keys that match no weight of this model (listed),
    ///   tensors of the wrong shape; for an embedding: a missing file, a pickle, a width other than the text
    ///   encoder's, a name the tokenizer already has (``ModelLoadError/invalidEmbedding(path:detail:)``).
    public convenience init(modelDirectory: URL, loras: [LoRAReference] = [],
                            embeddings: [TextualInversionReference] = []) throws {
        try BLASBackend.requireLibrary()
        let index = try ComponentConfig(component: "model_index", url: modelDirectory.appendingPathComponent("model_index.json"))
        for (component, classes) in [("text_encoder", ["CLIPTextModel"]), ("unet", ["UNet2DConditionModel"]),
                                     ("vae", ["AutoencoderKL", "AutoencoderTiny"]), ("tokenizer", ["CLIPTokenizer", "CLIPTokenizerFast"])] {
            guard let entry = index.values[component] as? [Any], entry.count == 2, let className = entry[1] as? String else {
                throw ModelLoadError.invalidConfig(path: index.path, detail: "component '\(component)' is missing; a Stable Diffusion folder lists text_encoder, tokenizer, unet, vae and scheduler")
            }
            guard classes.contains(className) else {
                throw ModelLoadError.unsupportedConfig(component: "model_index", field: component, value: className,
                                                       supported: classes.joined(separator: ", "))
            }
        }
        let textDirectory = modelDirectory.appendingPathComponent("text_encoder")
        let unetDirectory = modelDirectory.appendingPathComponent("unet")
        let (tokenizer, textEncoder, unet) = try Self.loadModels(
            tokenizer: try CLIPTokenizer(directory: modelDirectory.appendingPathComponent("tokenizer")),
            textConfig: try ComponentConfig(component: "text_encoder", url: textDirectory.appendingPathComponent("config.json")),
            textWeights: ComponentWeights(component: "text_encoder",
                                          file: try SafeTensorsFile(url: textDirectory.appendingPathComponent("model.safetensors")),
                                          optionalPrefix: "text_model.", ignoredPrefixes: ["embeddings.position_ids"]),
            unetConfig: try ComponentConfig(component: "unet", url: unetDirectory.appendingPathComponent("config.json")),
            unetWeights: ComponentWeights(component: "unet",
                                          file: try SafeTensorsFile(url: unetDirectory.appendingPathComponent("diffusion_pytorch_model.safetensors"))),
            loras: loras, embeddings: embeddings)
        let decoder = try LatentDecoderLoader.load(directory: modelDirectory.appendingPathComponent("vae"))
        let schedulerURL = modelDirectory.appendingPathComponent("scheduler/scheduler_config.json")
        guard FileManager.default.fileExists(atPath: schedulerURL.path) else {
            throw ModelLoadError.missingFile(path: schedulerURL.path, role: "scheduler config")
        }
        let schedulerConfig = try SchedulerConfig(contentsOf: schedulerURL)
        var lines = ""
        for file in DiffusionPipeline.weightFiles {
            lines += "\(file) \(try ContentHash.sha256Hex(fileAt: modelDirectory.appendingPathComponent(file)))\n"
        }
        try self.init(parts: PipelineParts(
            tokenizer: tokenizer, textEncoder: textEncoder, unet: unet, decoder: decoder, schedulerConfig: schedulerConfig,
            modelHash: ContentHash.sha256Hex(Array(lines.utf8)), vaeDirectory: modelDirectory.appendingPathComponent("vae")))
    }

    /// Loads the single-file checkpoint `checkpoint` (original SD 1.x/2.x layout, fp32/fp16/bf16 safetensors;
    /// see ``ModelFileKind/detect(_:)``) with the tokenizer in `tokenizerDirectory`, and `loras` and `embeddings` applied as for a folder.
    ///
    /// The component configs are inferred from the weights' shapes as diffusers' `from_single_file` infers the
    /// model type (SD 2.x when the cross-attention is 1024 wide), with what shapes
    /// cannot say taken from the family's published configs: `norm_num_groups` 32, UNet heads 8 per block (SD 1.x)
    /// or one per 64 channels (SD 2.x), CLIP heads of 64 channels, VAE `scaling_factor` 0.18215. The scheduler
    /// config is the family's: stable-diffusion-v1-5's (PNDM, `scaled_linear` 0.00085–0.012, `steps_offset` 1,
    /// epsilon) for SD 1.x, stable-diffusion-2-1's (DDIM, same betas, v-prediction) for SD 2.x (epsilon for a
    /// 9-channel SD 2.x inpainting UNet); the chosen ``SchedulerKind`` is built from it as from a folder's config.
    ///
    /// ``modelHash`` is the SHA-256 of the checkpoint file (lower-case hex; its first 10 characters are A1111's
    /// `Model hash`).
    ///
    /// - Throws: ``ModelLoadError/missingFile(path:role:)``, ``ModelLoadError/pickleRefused(path:)`` for a pickle,
    ///   ``ModelLoadError/tokenizerRequired(checkpoint:)`` when `tokenizerDirectory` is nil,
    ///   ``ModelLoadError/unknownKeys(path:keys:)`` / ``ModelLoadError/unrecognizedCheckpoint(path:detail:)`` for
    ///   another layout, or the tokenizer's and LoRAs' errors.
    public convenience init(checkpoint: URL, tokenizerDirectory: URL?, loras: [LoRAReference] = [],
                            embeddings: [TextualInversionReference] = []) throws {
        try BLASBackend.requireLibrary()
        try SingleFileCheckpoint.checkOpenable(checkpoint)
        guard let tokenizerDirectory else { throw ModelLoadError.tokenizerRequired(checkpoint: checkpoint.path) }
        let source = try SingleFileCheckpoint(url: checkpoint)
        let (tokenizer, textEncoder, unet) = try Self.loadModels(
            tokenizer: try CLIPTokenizer(directory: tokenizerDirectory),
            textConfig: source.textConfig,
            textWeights: ComponentWeights(component: "text_encoder", file: source.file, sources: source.textSources),
            unetConfig: source.unetConfig,
            unetWeights: ComponentWeights(component: "unet", file: source.file, sources: source.unetSources),
            loras: loras, embeddings: embeddings)
        let vaeWeights = ComponentWeights(component: "vae", file: source.file, sources: source.vaeSources,
                                          ignoredPrefixes: ["encoder.", "quant_conv."])
        let decoder = try AutoencoderKLDecoder(config: source.vaeConfig, weights: vaeWeights)
        try vaeWeights.finishLoading()
        try self.init(parts: PipelineParts(
            tokenizer: tokenizer, textEncoder: textEncoder, unet: unet, decoder: decoder,
            schedulerConfig: try SchedulerConfig(json: Data(source.schedulerJSON.utf8)),
            modelHash: try ContentHash.sha256Hex(fileAt: checkpoint), vaeDirectory: checkpoint))
    }

    /// Builds the text encoder and UNet from their weights with `loras` patched in as the weights are read, and
    /// `embeddings` added to the tokenizer and the text encoder's token embeddings.
    static func loadModels(tokenizer: CLIPTokenizer, textConfig: ComponentConfig, textWeights: ComponentWeights,
                           unetConfig: ComponentConfig, unetWeights: ComponentWeights, loras: [LoRAReference],
                           embeddings: [TextualInversionReference]) throws -> (CLIPTokenizer, CLIPTextModel, UNet2DConditionModel) {
        let files = try loras.map { reference throws(ModelLoadError) in (try LoRAFile(url: reference.url), reference.scale) }
        for (lora, scale) in files {
            try lora.addPatches(for: .textEncoder, to: textWeights, scale: scale)
            try lora.addPatches(for: .unet, to: unetWeights, scale: scale)
        }
        let (tokenizer, textConfig) = try TextualInversion.add(embeddings, tokenizer: tokenizer, textConfig: textConfig,
                                                               textWeights: textWeights)
        let textEncoder = try CLIPTextModel(config: textConfig, weights: textWeights)
        try textWeights.finishLoading()
        let unet = try UNet2DConditionModel(config: unetConfig, weights: unetWeights)
        try unetWeights.finishLoading()
        return (tokenizer, textEncoder, unet)
    }
}
