import Foundation

/// The generation parameters used when a request leaves them out, from the settings
/// (device override, else synced, else built-in default — see ``SettingKey``).
public struct GenerationDefaults: Sendable, Equatable {
    /// Denoising steps.
    public var steps = 8
    /// Guidance scale. 3 suits the shipped default model best (docs/model.md, "Results": chosen
    /// on the seen-pair prompts, confirmed on the held-out ones).
    public var guidance = 3.0
    /// Scheduler name. Euler ancestral (`euler-a`) suits the shipped default model best: on its distilled
    /// 8-step grid it brings the pictures closer to the real scenes than the deterministic sampler the
    /// student was distilled with (docs/model.md, "Results"; docs/decisions.md).
    public var scheduler = SchedulerKind.eulerAncestral
    /// Width in pixels.
    public var width = 64
    /// Height in pixels.
    public var height = 64
    /// Model folder (nil: the shipped default model).
    public var model: String?
    /// The folder of models `--model NAME` and `rerun` look in (`generate.model_dir`).
    public var modelDirectory: URL?
    /// The folder of LoRA files `--lora NAME` and `<lora:NAME:SCALE>` look in (`generate.lora_dir`).
    public var loraDirectory: URL?
    /// The folder of textual-inversion embeddings prompts name by their words (`generate.embeddings_dir`).
    public var embeddingsDirectory: URL?
    /// The tokenizer folder single-file checkpoints use (`generate.tokenizer`).
    public var tokenizer: URL?
    /// `random` or `fixed`.
    public var seedMode = "random"
    /// The seed used when ``seedMode`` is `fixed`.
    public var fixedSeed: UInt64 = 0

    /// The built-in defaults.
    public init() {}

    /// Settings whose stored value is not one the key takes (stored before values were checked, or synced
    /// from an older version): they are ignored, and the built-in default applies.
    public var ignoredSettings: [SettingError] = []

    /// The defaults as the library's settings say (``LibrarySettings/generation``).
    public static func load(from library: Library) async throws -> GenerationDefaults {
        try await library.librarySettings().generation
    }

    /// The seed for a request that names none: the fixed seed, or a random one.
    public func seed() -> UInt64 {
        seedMode == "fixed" ? fixedSeed : UInt64.random(in: 0...UInt64(UInt32.max))
    }
}
