import Foundation

/// Every setting this version knows, typed, as this device sees them: its override where it has one, else
/// the value synced to every device, else the built-in default (``SettingKey/all``). What a settings screen
/// shows and what the library itself reads (``Library/librarySettings()``).
///
/// ```swift
/// let settings = try await library.librarySettings()
/// settings.generation.steps                  // 8
/// settings.origin(of: "generate.steps")      // .default, .synced or .device
/// settings.syncPictures                      // .eager or .lazy
/// ```
public struct LibrarySettings: Sendable, Equatable {
    /// How `sync run` handles pictures (`sync.pictures`).
    public enum SyncPictures: String, Sendable, Equatable, CaseIterable {
        /// Every picture is downloaded with its record.
        case eager
        /// A picture is downloaded when it is shown, exported or fetched.
        case lazy
    }

    /// The `generate.*` settings: what a request leaves out.
    public var generation = GenerationDefaults()
    /// Days a trashed item is kept before it is purged (`trash.retention_days`).
    public var trashRetentionDays = SettingKey.defaultRetentionDays
    /// The prompt policy and picture flagging on or off (`safety.enabled`; the same on every device).
    public var safetyEnabled = true
    /// Extra blocked prompt terms (`safety.blocklist`).
    public var safetyBlocklist: [String] = []
    /// The skin-tone-area detector's threshold (`safety.skin_threshold`).
    public var skinThreshold = 0.55
    /// How new pictures' Content Credentials are signed (`credentials.*`).
    public var credentials = Library.CredentialsConfiguration()
    /// How `sync run` handles pictures (`sync.pictures`).
    public var syncPictures = SyncPictures.eager
    /// Where each setting's value came from, by name; every known setting has one.
    public var origins: [String: ResolvedSetting.Origin] = [:]
    /// Stored values this version cannot use (stored before values were checked, or synced from another
    /// version): the default applies instead.
    public var ignored: [SettingError] = []

    /// The built-in defaults.
    public init() {}

    /// Where `key`'s value came from (nil for a name this version does not know).
    public func origin(of key: String) -> ResolvedSetting.Origin? { origins[key] }

    /// The typed settings from their resolved values (``Library/settings()``).
    public init(_ resolved: [ResolvedSetting]) {
        for setting in resolved {
            guard let key = SettingKey.named(setting.key) else { continue }
            origins[key.name] = setting.origin
            do {
                try apply(key, canonical: key.canonicalValue(for: setting.value))
            } catch let error as SettingError {
                switch error {
                case .invalidValue(_, _, .modelFolder, .noModelFolder):
                    // A model folder that is gone is reported by `generate` when it tries to load it.
                    generation.model = SettingKey.plainText(setting.value)
                case .invalidValue(_, _, .file, .noSuchFile):
                    // A signing certificate or key that is gone fails the signing, loudly, rather than
                    // falling back to the library's own identity.
                    try? apply(key, canonical: SettingKey.json(SettingKey.plainText(setting.value)))
                default:
                    ignored.append(error)
                }
            } catch {
                ignored.append(.invalidValue(key: key.name, value: setting.value, expected: key.kind, problem: .wrongType))
            }
        }
        generation.ignoredSettings = ignored.filter {
            if case .invalidValue(let key, _, _, _) = $0 { key.hasPrefix("generate.") } else { false }
        }
    }

    /// Sets the field of `key` from its checked, canonical JSON.
    private mutating func apply(_ key: SettingKey, canonical: String) throws {
        let text = SettingKey.plainText(canonical)
        let path = canonical == "null" ? nil : URL(fileURLWithPath: text)
        switch key.name {
        case "generate.steps": generation.steps = Int(text) ?? generation.steps
        case "generate.guidance": generation.guidance = Double(text) ?? generation.guidance
        case "generate.scheduler": generation.scheduler = SchedulerKind(rawValue: text) ?? generation.scheduler
        case "generate.size":
            let sides = text.split(separator: "x").compactMap { Int($0) }
            (generation.width, generation.height) = (sides[0], sides[1])
        case "generate.model": generation.model = path?.path
        case "generate.seed_mode": generation.seedMode = text
        case "generate.seed": generation.fixedSeed = UInt64(text) ?? generation.fixedSeed
        case "generate.model_dir": generation.modelDirectory = path
        case "generate.lora_dir": generation.loraDirectory = path
        case "generate.embeddings_dir": generation.embeddingsDirectory = path
        case "generate.tokenizer": generation.tokenizer = path
        case "trash.retention_days": trashRetentionDays = Int(text) ?? trashRetentionDays
        case "safety.enabled": safetyEnabled = canonical == "true"
        case "safety.blocklist": safetyBlocklist = try JSONDecoder().decode([String].self, from: Data(canonical.utf8))
        case "safety.skin_threshold": skinThreshold = Double(text) ?? skinThreshold
        case "credentials.include_prompt": credentials.includePrompt = canonical == "true"
        case "credentials.certificate": credentials.certificate = path
        case "credentials.key": credentials.key = path
        case "sync.pictures": syncPictures = SyncPictures(rawValue: text) ?? syncPictures
        default: break
        }
    }
}

extension Library {
    /// Every known setting, typed, with where each value came from (``LibrarySettings``).
    public func librarySettings() async throws -> LibrarySettings {
        LibrarySettings(try await settings())
    }
}
