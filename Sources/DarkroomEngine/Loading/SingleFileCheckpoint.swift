import Foundation

/// A single-file Stable Diffusion 1.x/2.x checkpoint in the original (CompVis/Stability) layout, as
/// safetensors (fp32, fp16 or bf16): its tensors renamed to diffusers' names and the component configs
/// inferred from their shapes, without reading any weight data.
///
/// Layout: `model.diffusion_model.*` (UNet), `first_stage_model.*` (VAE), and
/// `cond_stage_model.transformer.*` (CLIP ViT-L text encoder, SD 1.x) or `cond_stage_model.model.*`
/// (OpenCLIP ViT-H, SD 2.x: fused `in_proj_weight` split into q/k/v, the last of its layers unused as in
/// diffusers' SD 2 text-encoder config). Schedule buffers (`betas`, `alphas_cumprod`, …) and `model_ema.*` are
/// ignored; any other key is an error naming it.
struct SingleFileCheckpoint {
    let url: URL
    let file: SafeTensorsFile
    let family: CheckpointFamily
    let unetConfig: ComponentConfig
    let vaeConfig: ComponentConfig
    let textConfig: ComponentConfig
    let unetSources: [String: TensorSource]
    let vaeSources: [String: TensorSource]
    let textSources: [String: TensorSource]
    /// The family's scheduler config (``CheckpointFamily/schedulerJSON(inpainting:)``).
    let schedulerJSON: String

    /// The UNet's key prefix.
    static let unetPrefix = "model.diffusion_model."
    static let vaePrefix = "first_stage_model."
    static let clipPrefix = "cond_stage_model.transformer."
    static let openCLIPPrefix = "cond_stage_model.model."

    /// Opens `url` and maps its keys. Throws `missingFile`, `pickleRefused`, `unknownKeys` (keys in no
    /// component, listed) or `unrecognizedCheckpoint` (a component missing, an SDXL or other layout).
    init(url: URL) throws(ModelLoadError) {
        try Self.checkOpenable(url)
        let file = try SafeTensorsFile(url: url)
        let path = url.path
        let shapes = CheckpointShapes(path: path, shapes: file.entries.mapValues(\.shape))
        if file.entries.keys.contains(where: { $0.hasPrefix("conditioner.embedders.") }) {
            throw .unrecognizedCheckpoint(path: path, detail: "it is an SDXL checkpoint (conditioner.embedders.*), which the engine does not run")
        }
        let keys = file.entries.keys.sorted()
        guard keys.contains(where: { $0.hasPrefix(Self.unetPrefix) }) else {
            throw .unrecognizedCheckpoint(path: path, detail: "it has no model.diffusion_model.* (UNet) tensors")
        }
        guard keys.contains(where: { $0.hasPrefix(Self.vaePrefix) }) else {
            throw .unrecognizedCheckpoint(path: path, detail: "it has no first_stage_model.* (VAE) tensors; checkpoints saved without their VAE are not supported")
        }
        let openCLIP = keys.contains { $0.hasPrefix(Self.openCLIPPrefix) }
        guard openCLIP || keys.contains(where: { $0.hasPrefix(Self.clipPrefix) }) else {
            throw .unrecognizedCheckpoint(path: path, detail: "it has no cond_stage_model.* (text encoder) tensors")
        }

        let unet = try shapes.unet { context in context == 1024 ? .sd2 : .sd1 }
        let vae = try shapes.vae()
        var unknown: [String] = []
        var unetSources: [String: TensorSource] = [:]
        var vaeSources: [String: TensorSource] = [:]
        let text = Self.textSources(file: file)
        let textSources = text.sources
        unknown += text.unknown
        for key in keys {
            if key.hasPrefix(Self.unetPrefix) {
                guard let name = CheckpointKeyMapping.unet(String(key.dropFirst(Self.unetPrefix.count)), layers: unet.layers) else {
                    unknown.append(key); continue
                }
                unetSources[name] = .whole(key)
            } else if key.hasPrefix(Self.vaePrefix) {
                guard let (name, linear) = CheckpointKeyMapping.vae(String(key.dropFirst(Self.vaePrefix.count)), levels: vae.levels) else {
                    unknown.append(key); continue
                }
                let shape = file.entries[key]?.shape ?? []
                vaeSources[name] = linear && shape.count == 4 ? .reshaped(key, Array(shape.prefix(2))) : .whole(key)
            } else if !key.hasPrefix("cond_stage_model."), !CheckpointKeyMapping.isTrainingState(key) {
                unknown.append(key)
            }
        }
        if !unknown.isEmpty { throw .unknownKeys(path: path, keys: unknown.sorted()) }
        self.url = url
        self.file = file
        family = unet.family
        unetConfig = ComponentConfig(component: "unet", path: "\(path) (UNet config inferred from its weights)", inferred: unet.values)
        vaeConfig = ComponentConfig(component: "vae", path: "\(path) (VAE config inferred from its weights)", inferred: vae.values)
        textConfig = try Self.textConfig(file: file, sources: textSources, openCLIP: openCLIP)
        self.unetSources = unetSources
        self.vaeSources = vaeSources
        self.textSources = textSources
        schedulerJSON = unet.family.schedulerJSON(inpainting: (unet.values["in_channels"] as? Int) == 9)
    }

    /// The text encoder's tensors (`cond_stage_model.*`) under CLIP's logical names, and the keys there that map to
    /// nothing. OpenCLIP's last resblock is unused: diffusers' SD 2 text encoder has 23 of ViT-H's 24 layers.
    static func textSources(file: SafeTensorsFile) -> (sources: [String: TensorSource], unknown: [String]) {
        let layers = CheckpointShapes(path: file.path, shapes: file.entries.mapValues(\.shape))
            .indices(under: openCLIPPrefix + "transformer.resblocks.").count - 1
        var sources: [String: TensorSource] = [:]
        var unknown: [String] = []
        for key in file.entries.keys {
            if key.hasPrefix(clipPrefix) {
                var name = String(key.dropFirst(clipPrefix.count))
                if name.hasPrefix("text_model.") { name.removeFirst("text_model.".count) }
                if name != "embeddings.position_ids" { sources[name] = .whole(key) }
            } else if key.hasPrefix(openCLIPPrefix) {
                guard let mapped = CheckpointKeyMapping.openCLIP(String(key.dropFirst(openCLIPPrefix.count)), layers: layers) else {
                    unknown.append(key)
                    continue
                }
                for (name, source) in mapped { sources[name] = source }
            } else if key.hasPrefix("cond_stage_model.") {
                unknown.append(key)
            }
        }
        return (sources, unknown)
    }

    /// The inferred `CLIPTextModel` config of the mapped text-encoder tensors.
    static func textConfig(file: SafeTensorsFile, sources: [String: TensorSource], openCLIP: Bool) throws(ModelLoadError) -> ComponentConfig {
        var shapes: [String: [Int]] = [:]
        for (name, source) in sources {
            if let stored = file.entries[source.storedName]?.shape { shapes[name] = source.shape(of: stored) }
        }
        let values = try CheckpointShapes(path: file.path, shapes: [:]).textEncoder(shapes, openCLIP: openCLIP)
        return ComponentConfig(component: "text_encoder", path: "\(file.path) (text encoder config inferred from its weights)", inferred: values)
    }

    /// Throws `missingFile` or `pickleRefused` before anything is parsed.
    static func checkOpenable(_ url: URL) throws(ModelLoadError) {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missingFile(path: url.path, role: "checkpoint file") }
        if ModelFileKind.isPickle(url) || ModelFileKind.pickleExtensions.contains(url.pathExtension.lowercased()) {
            throw .pickleRefused(path: url.path)
        }
    }
}
