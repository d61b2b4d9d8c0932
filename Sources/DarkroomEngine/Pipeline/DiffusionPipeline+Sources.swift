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
    /// nothing else is copied).
    ///
    /// ``modelHash`` is the folder's hash whatever the LoRAs: callers record each LoRA's SHA-256 and scale
    /// (``LoRAInfo``) beside it.
    ///
    /// - Throws: ``ModelLoadError`` (or the tokenizer's and scheduler's load errors) with an actionable
    ///   message; for a LoRA: a missing file, a pickle, keys that match no weight of this model (listed),
    ///   tensors of the wrong shape.
    public convenience init(modelDirectory: URL, loras: [LoRAReference] = []) throws {
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
        let loraFiles = try loras.map { reference throws(ModelLoadError) in (try LoRAFile(url: reference.url), reference.scale) }
        let tokenizer = try CLIPTokenizer(directory: modelDirectory.appendingPathComponent("tokenizer"))

        let textDirectory = modelDirectory.appendingPathComponent("text_encoder")
        let textConfig = try ComponentConfig(component: "text_encoder", url: textDirectory.appendingPathComponent("config.json"))
        let textWeights = ComponentWeights(component: "text_encoder",
                                           file: try SafeTensorsFile(url: textDirectory.appendingPathComponent("model.safetensors")),
                                           optionalPrefix: "text_model.", ignoredPrefixes: ["embeddings.position_ids"])
        for (lora, scale) in loraFiles { try lora.addPatches(for: .textEncoder, to: textWeights, scale: scale) }
        let textEncoder = try CLIPTextModel(config: textConfig, weights: textWeights)
        try textWeights.finishLoading()

        let unetDirectory = modelDirectory.appendingPathComponent("unet")
        let unetConfig = try ComponentConfig(component: "unet", url: unetDirectory.appendingPathComponent("config.json"))
        let unetWeights = ComponentWeights(component: "unet",
                                           file: try SafeTensorsFile(url: unetDirectory.appendingPathComponent("diffusion_pytorch_model.safetensors")))
        for (lora, scale) in loraFiles { try lora.addPatches(for: .unet, to: unetWeights, scale: scale) }
        let unet = try UNet2DConditionModel(config: unetConfig, weights: unetWeights)
        try unetWeights.finishLoading()

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
}
