import DarkroomEngine
import DarkroomImaging
import Foundation

/// A setting Darkroom knows: its name, the values it takes, its built-in default and what it controls.
///
/// Every value is checked when it is set (``canonicalValue(for:)``), so a setting never holds something the
/// code that reads it would ignore. Values are stored as JSON text in one canonical spelling (`"ddim"`,
/// `"64x64"`, `8`).
///
/// ```swift
/// let steps = SettingKey.named("generate.steps")!
/// try steps.canonicalValue(for: "12")     // "12"
/// try steps.canonicalValue(for: "abc")    // throws SettingError.invalidValue(…, expected: .integer(1...1000))
/// ```
public struct SettingKey: Sendable, Hashable {
    /// The values a setting takes.
    public enum ValueKind: Sendable, Hashable {
        /// A whole number in the range.
        case integer(ClosedRange<Int>)
        /// An unsigned 64-bit whole number (seeds).
        case unsignedInteger
        /// A finite number in the range.
        case number(ClosedRange<Double>)
        /// One of the words (matched without regard to case, stored as listed).
        case choice([String])
        /// `true` or `false`.
        case boolean
        /// `WIDTHxHEIGHT`, each side a multiple of `multiple` in `sides`.
        case size(multiple: Int, sides: ClosedRange<Int>)
        /// A model folder (a diffusers folder holding `model_index.json`), stored as an absolute path; or `null`
        /// (also spelled `default`) for the shipped default model.
        case modelFolder
        /// A list of non-empty words: a JSON array of strings, or words separated by commas.
        case wordList
        /// A file that exists, stored as an absolute path; or `null` (also spelled `default`) for none.
        case file
        /// A folder that exists, stored as an absolute path; or `null` (also spelled `default`) for none.
        case folder
    }

    /// The setting's name, as `settings set` takes it.
    public let name: String
    /// The values it takes.
    public let kind: ValueKind
    /// The built-in default, as JSON text.
    public let defaultValue: String
    /// What it controls, in a few words.
    public let summary: String
    /// False for a setting that must be the same on every device (no `--device` override).
    public let allowsDeviceOverride: Bool

    init(_ name: String, _ kind: ValueKind, default defaultValue: String, _ summary: String, deviceOverride: Bool = true) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.summary = summary
        self.allowsDeviceOverride = deviceOverride
    }

    /// The built-in generation defaults, which the `generate.*` keys show as their defaults.
    private static let generation = GenerationDefaults()

    /// Steps a setting (or a request) may ask for.
    public static let stepRange = 1...1000
    /// Side lengths `generate.size` takes: every Stable-Diffusion-family decoder upsamples latents by 8, so
    /// sides are multiples of 8; a model may need a larger multiple (16 for the shipped model), which
    /// `generate` checks against the model it loads.
    public static let sizeMultiple = 8
    /// Smallest and largest side `generate.size` takes.
    public static let sideRange = 8...4096
    /// The default trash retention in days (``Library/trashRetention``).
    public static let defaultRetentionDays = Int(Library.trashRetention / 86_400)

    /// Every setting this version knows, in the order `settings list` shows them.
    public static let all: [SettingKey] = [
        SettingKey("generate.steps", .integer(stepRange), default: "\(generation.steps)", "denoising steps"),
        SettingKey("generate.guidance", .number(0...50), default: json(generation.guidance), "classifier-free guidance scale"),
        SettingKey("generate.scheduler", .choice(SchedulerKind.allCases.map(\.rawValue)),
                   default: "\"\(generation.scheduler.rawValue)\"", "sampler"),
        SettingKey("generate.size", .size(multiple: sizeMultiple, sides: sideRange),
                   default: "\"\(generation.width)x\(generation.height)\"", "picture size WIDTHxHEIGHT"),
        SettingKey("generate.model", .modelFolder, default: "null", "model folder (null: the shipped default model)"),
        SettingKey("generate.model_dir", .folder, default: "null",
                   "folder of models: a model named by its name is found there; rerun finds recorded models there by hash"),
        SettingKey("generate.lora_dir", .folder, default: "null", "folder of LoRA files named in a request or by <lora:NAME:SCALE>"),
        SettingKey("generate.embeddings_dir", .folder, default: "null",
                   "folder of textual-inversion embeddings: a prompt word naming a file there uses it"),
        SettingKey("generate.tokenizer", .folder, default: "null", "tokenizer folder for single-file checkpoints (which carry none)"),
        SettingKey("generate.seed_mode", .choice(["random", "fixed"]), default: "\"\(generation.seedMode)\"",
                   "random or fixed seed when a request names none"),
        SettingKey("generate.seed", .unsignedInteger, default: "\(generation.fixedSeed)", "the seed used when seed_mode is fixed"),
        SettingKey("trash.retention_days", .integer(1...36_500), default: "\(defaultRetentionDays)",
                   "days a trashed item is kept before it is purged"),
        SettingKey("safety.enabled", .boolean, default: "true", "prompt policy and picture flagging on or off",
                   deviceOverride: false),
        SettingKey("safety.blocklist", .wordList, default: "[]", "extra blocked prompt terms"),
        SettingKey("safety.skin_threshold", .number(0.01...1), default: "0.55", "skin-tone-area detector threshold"),
        SettingKey("credentials.include_prompt", .boolean, default: "false",
                   "put the prompt and negative prompt in the signed Content Credentials of new pictures"),
        SettingKey("credentials.certificate", .file, default: "null",
                   "PEM certificate chain (signer first) to sign Content Credentials with instead of the library's own"),
        SettingKey("credentials.key", .file, default: "null", "PEM private key of credentials.certificate"),
        SettingKey("sync.pictures", .choice(["eager", "lazy"]), default: "\"eager\"",
                   "eager: sync run downloads every picture; lazy: only when shown, exported or fetched"),
    ]

    /// The known setting called `name`, if any (names are matched exactly).
    public static func named(_ name: String) -> SettingKey? { all.first { $0.name == name } }

    /// The known setting names closest to a misspelt `name` (``NameSuggestion``).
    public static func suggestions(for name: String) -> [String] {
        NameSuggestion.closest(to: name, among: all.map(\.name))
    }

    /// True when `name` is a well-formed setting name: letters, digits, `.`, `_` and `-`.
    public static func isWellFormed(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || "._-".contains($0) }
    }

    /// `text` checked against the setting's values and written as its canonical JSON.
    ///
    /// `text` may be JSON (`8`, `"ddim"`, `["a","b"]`) or a plain word (`ddim`, `64x64`).
    /// - Throws: ``SettingError/invalidValue(key:value:expected:problem:)``.
    public func canonicalValue(for text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let word = Self.plainText(trimmed)
        func refuse(_ problem: SettingError.Problem = .wrongType) -> SettingError {
            .invalidValue(key: name, value: text, expected: kind, problem: problem)
        }
        switch kind {
        case .integer(let range):
            guard let n = Int(word) else { throw refuse() }
            guard range.contains(n) else { throw refuse(.outOfRange) }
            return String(n)
        case .unsignedInteger:
            guard let n = UInt64(word) else { throw refuse(Int64(word) != nil ? .outOfRange : .wrongType) }
            return String(n)
        case .number(let range):
            guard let n = Double(word), n.isFinite else { throw refuse() }
            guard range.contains(n) else { throw refuse(.outOfRange) }
            return Self.json(n)
        case .choice(let words):
            guard let match = words.first(where: { $0.caseInsensitiveCompare(word) == .orderedSame })
                    ?? Self.schedulerAlias(word, among: words) else { throw refuse(.notAChoice) }
            return Self.json(match)
        case .boolean:
            switch word.lowercased() {
            case "true", "yes", "on": return "true"
            case "false", "no", "off": return "false"
            default: throw refuse()
            }
        case .size(let multiple, let sides):
            let parts = word.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else { throw refuse() }
            guard sides.contains(width), sides.contains(height) else { throw refuse(.outOfRange) }
            guard width % multiple == 0, height % multiple == 0 else { throw refuse(.notAMultiple) }
            return Self.json("\(width)x\(height)")
        case .modelFolder:
            if ["null", "default", ""].contains(word.lowercased()) { return "null" }
            let folder = URL(fileURLWithPath: (word as NSString).expandingTildeInPath).standardizedFileURL
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model_index.json").path) else {
                throw refuse(.noModelFolder)
            }
            return Self.json(folder.path)
        case .wordList:
            let words: [String]
            if let array = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [Any] {
                guard let strings = array as? [String] else { throw refuse() }
                words = strings.map { $0.trimmingCharacters(in: .whitespaces) }
            } else {
                words = word.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
            guard !words.contains(where: \.isEmpty) else { throw refuse(.emptyWord) }
            return Self.json(words)
        case .file, .folder:
            if ["null", "default", ""].contains(word.lowercased()) { return "null" }
            let url = URL(fileURLWithPath: (word as NSString).expandingTildeInPath).standardizedFileURL
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue == (kind == .folder) else {
                throw refuse(kind == .folder ? .noSuchFolder : .noSuchFile)
            }
            return Self.json(url.path)
        }
    }

    /// The text of a JSON string, or `text` itself when it is not one.
    static func plainText(_ text: String) -> String {
        guard text.hasPrefix("\""),
              let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as? String
        else { return text }
        return value.trimmingCharacters(in: .whitespaces)
    }

    /// A scheduler given by its A1111 or Draw Things name (`Euler a`, `DPM++ 2M Karras`).
    static func schedulerAlias(_ word: String, among choices: [String]) -> String? {
        SamplerNames.schedulerKind(forA1111Name: word).flatMap { kind in choices.contains(kind) ? kind : nil }
    }

    /// `value` as compact JSON text.
    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}

/// Why a setting was refused.
public enum SettingError: Error, Equatable, Sendable {
    /// What was wrong with a value, beyond its kind.
    public enum Problem: Sendable, Equatable {
        /// Not a value of the setting's kind at all (`abc` for a number).
        case wrongType
        /// Of the right kind but outside the allowed range.
        case outOfRange
        /// Not one of the allowed words.
        case notAChoice
        /// A size whose sides are not multiples of the required step.
        case notAMultiple
        /// A model path that is not a folder holding `model_index.json`.
        case noModelFolder
        /// A file path that names no file.
        case noSuchFile
        /// A folder path that names no folder.
        case noSuchFolder
        /// A word list with an empty word.
        case emptyWord
    }

    /// `value` is not one of the values `key` takes (`expected`).
    case invalidValue(key: String, value: String, expected: SettingKey.ValueKind, problem: Problem)
    /// `key` is not a setting this version knows; `suggestions` are the known names closest to it.
    case unknownKey(key: String, suggestions: [String])
    /// `key` is not a well-formed setting name.
    case malformedKey(key: String)
    /// `key` is the same on every device and takes no per-device override.
    case noDeviceOverride(key: String)
}

extension SettingKey.ValueKind: CustomStringConvertible {
    /// The allowed values, in words (`a whole number from 1 to 1000`).
    public var description: String {
        switch self {
        case .integer(let range): return "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .unsignedInteger: return "a whole number from 0 to \(UInt64.max)"
        case .number(let range):
            return "a number from \(SettingKey.json(range.lowerBound)) to \(SettingKey.json(range.upperBound))"
        case .choice(let words): return "one of: " + words.joined(separator: ", ")
        case .boolean: return "true or false"
        case .size(let multiple, let sides):
            return "WIDTHxHEIGHT (e.g. 512x512), each side a multiple of \(multiple) from \(sides.lowerBound) to \(sides.upperBound)"
        case .modelFolder: return "a diffusers model folder (holding model_index.json), or null for the shipped default model"
        case .file: return "the path of an existing file, or null for none"
        case .folder: return "the path of an existing folder, or null for none"
        case .wordList: return "a JSON array of words, or words separated by commas"
        }
    }
}

extension SettingError: CustomStringConvertible {
    /// The refusal in words: what was given, and what is allowed.
    public var description: String {
        switch self {
        case let .invalidValue(key, value, expected, problem):
            let why: String
            switch problem {
            case .wrongType, .notAChoice: why = ""
            case .outOfRange: why = " (out of range)"
            case .notAMultiple: why = " (a side is not a multiple of the step)"
            case .noModelFolder: why = " (no model_index.json there)"
            case .emptyWord: why = " (an empty word)"
            case .noSuchFile: why = " (no such file)"
            case .noSuchFolder: why = " (no such folder)"
            }
            return "'\(value)' is not a valid value for \(key)\(why): it takes \(expected)."
        case let .unknownKey(key, suggestions):
            let hint = suggestions.isEmpty ? "" : " Did you mean \(suggestions.joined(separator: " or "))?"
            return "'\(key)' is not a setting this version knows.\(hint)"
        case let .malformedKey(key):
            return "A setting name uses letters, digits, '.', '_' and '-'; got '\(key)'."
        case let .noDeviceOverride(key):
            return "\(key) is the same on every device; it has no per-device value."
        }
    }
}
