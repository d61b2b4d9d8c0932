import Foundation

/// What a model says it can do: the card data of a model folder (`darkroom.json`, optional), completed
/// from the diffusers configs for what the card leaves out.
///
/// `darkroom.json` fields (all optional; docs/model.md, "Card data"):
/// `name`, `summary` (the prompt domain in words), `documentation` (where the full card is),
/// `native_size` `[w, h]`, `size_step`, `max_size_factor` (sides up to this many times native; default 2),
/// `vocabulary` (every word the model was trained on), `ignored_words` (words it reads but does not follow),
/// `prompt_notes`, `examples` (prompts it draws well), `latent_preview` (`{"weights": [[r, g, b] per latent
/// channel], "bias": [r, g, b]}`).
public struct ModelCard: Sendable, Equatable {
    /// The card file's name inside a model folder.
    public static let fileName = "darkroom.json"

    /// The model's name (the card's, else the folder's).
    public var name: String
    /// The prompt domain in words, when declared.
    public var summary: String?
    /// Where the model's full card is, when declared.
    public var documentation: String?
    /// The size the model was trained at.
    public var nativeWidth: Int
    /// The size the model was trained at.
    public var nativeHeight: Int
    /// True when the card declares the native size; false when it is diffusers' default
    /// (`unet.sample_size` x the VAE's scale factor).
    public var declaresNativeSize: Bool
    /// Width and height must be multiples of this.
    public var sizeStep: Int
    /// Sides up to this many times native (and down to native divided by it) are near native.
    public var maximumSizeFactor: Double
    /// Every word the model was trained on, when declared (lower case).
    public var vocabulary: Set<String>?
    /// Words the model reads but does not follow (lower case).
    public var ignoredWords: [String]
    /// Advice on phrasing prompts.
    public var promptNotes: [String]
    /// Prompts the model draws well.
    public var examples: [String]
    /// The calibrated latent preview, when declared.
    public var latentPreview: LatentPreview?
    /// The card file, when there is one.
    public var file: URL?

    /// What the card file may hold.
    struct Data: Decodable {
        var name: String?, summary: String?, documentation: String?
        var native_size: [Int]?, size_step: Int?, max_size_factor: Double?
        var vocabulary: [String]?, ignored_words: [String]?, prompt_notes: [String]?, examples: [String]?
        var latent_preview: LatentPreview?
    }

    /// The card of the diffusers folder `modelDirectory`: its `darkroom.json` when present, the rest from
    /// `unet/config.json` and `vae/config.json`.
    ///
    /// - Throws: ``ModelLoadError`` when a config or the card file is malformed, or the card contradicts the
    ///   configs (a size step the UNet and VAE cannot honour).
    public static func load(modelDirectory: URL) throws(ModelLoadError) -> ModelCard {
        let unet = try ComponentConfig(component: "unet", url: modelDirectory.appendingPathComponent("unet/config.json"))
        let vae = try ComponentConfig(component: "vae", url: modelDirectory.appendingPathComponent("vae/config.json"))
        let vaeChannels = try vae.string("_class_name", default: "AutoencoderKL") == "AutoencoderTiny"
            ? try vae.ints("decoder_block_out_channels", default: [64, 64, 64, 64]) : try vae.ints("block_out_channels", default: [64])
        let vaeFactor = 1 << max(vaeChannels.count - 1, 0)
        let latentMultiple = vaeFactor << max(try unet.strings("down_block_types", default: ["DownBlock2D"]).count - 1, 0)
        let minimumStep = latentMultiple * 8 / gcd(latentMultiple, 8)
        let defaultSide = try unet.int("sample_size", default: 64) * vaeFactor

        let url = modelDirectory.appendingPathComponent(fileName)
        var data = Data()
        if FileManager.default.fileExists(atPath: url.path) {
            do {
                data = try JSONDecoder().decode(Data.self, from: Foundation.Data(contentsOf: url))
            } catch {
                throw .invalidConfig(path: url.path, detail: "not a Darkroom model card (\(error))")
            }
        }
        if let size = data.native_size, size.count != 2 || size.contains(where: { $0 <= 0 }) {
            throw .invalidConfig(path: url.path, detail: "field 'native_size' must be [width, height], both positive")
        }
        if let step = data.size_step, step <= 0 || step % minimumStep != 0 {
            throw .unsupportedConfig(component: "darkroom.json", field: "size_step", value: "\(step)",
                                     supported: "a multiple of \(minimumStep) (the VAE and UNet downsampling, and 8)")
        }
        if let factor = data.max_size_factor, !(factor >= 1 && factor.isFinite) {
            throw .invalidConfig(path: url.path, detail: "field 'max_size_factor' must be a number of at least 1")
        }
        let latentChannels = try vae.int("latent_channels", default: 4)
        if let map = data.latent_preview, !map.isWellFormed || map.channels != latentChannels {
            throw .invalidConfig(path: url.path, detail: "field 'latent_preview' must have one [r, g, b] row per latent channel and a bias [r, g, b]")
        }
        let present = FileManager.default.fileExists(atPath: url.path)
        return ModelCard(
            name: data.name ?? modelDirectory.standardizedFileURL.lastPathComponent, summary: data.summary,
            documentation: data.documentation, nativeWidth: data.native_size?[0] ?? defaultSide,
            nativeHeight: data.native_size?[1] ?? defaultSide, declaresNativeSize: data.native_size != nil,
            sizeStep: data.size_step ?? minimumStep, maximumSizeFactor: data.max_size_factor ?? 2,
            vocabulary: data.vocabulary.map { words in Set(words.map { $0.lowercased() }) },
            ignoredWords: (data.ignored_words ?? []).map { $0.lowercased() }, promptNotes: data.prompt_notes ?? [],
            examples: data.examples ?? [], latentPreview: data.latent_preview, file: present ? url : nil)
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
