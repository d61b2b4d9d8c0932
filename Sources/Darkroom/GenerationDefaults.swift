import Foundation

/// The generation parameters used when a request leaves them out, from the settings
/// (device override, else synced, else built-in default — see ``SettingsCatalog``).
public struct GenerationDefaults: Sendable, Equatable {
    /// Denoising steps.
    public var steps = 8
    /// Guidance scale. 3 suits the shipped default model best (docs/model.md, "Results": chosen
    /// on the seen-pair prompts, confirmed on the held-out ones).
    public var guidance = 3.0
    /// Scheduler name. Euler ancestral (`euler-a`) suits the shipped default model best: on its distilled
    /// 8-step grid it brings the pictures closer to the real scenes than the deterministic sampler the
    /// student was distilled with (docs/model.md, "Results"; docs/decisions.md).
    public var scheduler = "euler-a"
    /// Width in pixels.
    public var width = 64
    /// Height in pixels.
    public var height = 64
    /// Model folder (nil: the shipped default model).
    public var model: String?
    /// `random` or `fixed`.
    public var seedMode = "random"
    /// The seed used when ``seedMode`` is `fixed`.
    public var fixedSeed: UInt64 = 0

    /// The built-in defaults.
    public init() {}

    /// The defaults as the library's settings say.
    public static func load(from library: Library) async throws -> GenerationDefaults {
        var defaults = GenerationDefaults()
        for setting in try await library.settings() {
            let value = try? JSONSerialization.jsonObject(with: Data(setting.value.utf8), options: [.fragmentsAllowed])
            switch setting.key {
            case "generate.steps": if let n = value as? Int { defaults.steps = n }
            case "generate.guidance": if let n = value as? Double { defaults.guidance = n }
            case "generate.scheduler": if let s = value as? String { defaults.scheduler = s }
            case "generate.size":
                if let s = value as? String {
                    let parts = s.lowercased().split(separator: "x").compactMap { Int($0) }
                    if parts.count == 2 { defaults.width = parts[0]; defaults.height = parts[1] }
                }
            case "generate.model": defaults.model = value as? String
            case "generate.seed_mode": if let s = value as? String { defaults.seedMode = s }
            case "generate.seed": if let n = value as? Int, n >= 0 { defaults.fixedSeed = UInt64(n) }
            default: break
            }
        }
        return defaults
    }

    /// The seed for a request that names none: the fixed seed, or a random one.
    public func seed() -> UInt64 {
        seedMode == "fixed" ? fixedSeed : UInt64.random(in: 0...UInt64(UInt32.max))
    }
}
