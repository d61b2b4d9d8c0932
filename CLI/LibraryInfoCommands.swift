import ArgumentParser
import Darkroom
import DarkroomStore
import Foundation

struct PromptsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "Prompt history, and re-use of a past prompt with its settings.",
        discussion: """
            Examples:
              darkroom prompts --search heron          # most recently used first, with ids and last settings
              darkroom prompts use 3f2a                # generate again with that prompt and its last settings, new seed
              darkroom prompts use 3f2a --steps 12 --seed 7
            """,
        subcommands: [List.self, Use.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Prompt history, most recently used first (the default).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only prompts containing this text.") var search: String?
        @Option(help: "Show at most this many.") var limit: Int = 50
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let prompts = try await global.open().prompts(search: search, limit: limit)
            if json {
                try Console.printJSON(prompts.map {
                    PromptJSON(id: $0.id, text: $0.text, negativeText: $0.negativeText, useCount: $0.useCount,
                               firstUsedAt: $0.firstUsedAt, lastUsedAt: $0.lastUsedAt)
                })
                return
            }
            if prompts.isEmpty { Console.note("No prompts yet."); return }
            Console.print(Console.table(["ID", "USES", "LAST USED", "PROMPT"], prompts.map {
                [String($0.id.prefix(8)), "\($0.useCount)", Console.shortDate($0.lastUsedAt),
                 $0.text + ($0.negativeText.isEmpty ? "" : "  (not: \($0.negativeText))")]
            }))
            Console.note("Re-use one with its last settings: darkroom prompts use ID")
        }
    }

    struct Use: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "use",
            abstract: "Generate again with a past prompt and the settings it was last used with (a new seed unless --seed).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The prompt id (any unique prefix; `darkroom prompts` shows them).") var id: String
        @OptionGroup var overrides: ParameterOverrides

        func run() async throws {
            let library = try global.open()
            let (prompt, latest) = try await library.promptForReuse(id)
            let defaults = try await GenerationDefaults.load(from: library)
            var request: GenerationRequest
            if let latest {
                request = GenerationRequest(latest)
                request.variationSeed = nil
                request.variationStrength = nil
            } else {
                request = GenerationRequest(prompt: prompt.text, negativePrompt: prompt.negativeText, seed: 0, steps: defaults.steps,
                                            guidance: defaults.guidance, scheduler: defaults.scheduler,
                                            width: defaults.width, height: defaults.height)
            }
            request.seed = defaults.seed()
            overrides.apply(to: &request)
            let folder = try ModelLocator.locate(explicit: overrides.model ?? latest?.modelPath ?? defaults.model)
            Console.note("Prompt \(prompt.id.prefix(8)): \(request.steps) steps, guidance \(request.guidance), \(request.scheduler), \(request.width)x\(request.height), seed \(request.seed)")
            let item = try await GenerationRunner.run(request, in: library, using: try EngineGenerator.load(modelDirectory: folder),
                                                      modelPath: folder.path, showProgress: true)
            Console.print(GenerationRunner.summary(item, library: library))
        }
    }
}

/// `prompts --json` output.
struct PromptJSON: Encodable {
    var id: String, text: String, negativeText: String, useCount: Int, firstUsedAt: Date, lastUsedAt: Date
}

struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Read and change settings.",
        discussion: """
            Settings are synced to all your devices unless set with --device, which makes an override for this
            device only. `settings list` shows each value and where it came from (device, synced, default).
            Values are JSON; plain words are stored as strings.

            Examples:
              darkroom settings set generate.steps 8
              darkroom settings set generate.scheduler ddim --device
            """,
        subcommands: [Get.self, Set.self, Unset.self, List.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Print a setting's value (JSON).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The setting name.") var key: String
        func run() async throws {
            guard let setting = try await global.open().setting(key) else {
                throw StoreError.notFound(kind: "setting", id: key)
            }
            Console.print(setting.value)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Set a setting.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The setting name.") var key: String
        @Argument(help: "The value (JSON, or a plain word).") var value: String
        @Flag(help: "Only on this device (an override of the synced value).") var device = false
        func run() async throws {
            let library = try global.open()
            if key == "safety.enabled", let enabled = Bool(value.lowercased()) {
                try await library.setSafetyEnabled(enabled)
                if !enabled {
                    Console.note("Warning: the safety policy is now OFF: prompts are not checked and pictures are not flagged. The change is recorded (`darkroom flags --events`).")
                }
            } else {
                try await library.setSetting(key, value: value, scope: device ? .device : .synced)
            }
            if SettingsCatalog.entry(key) == nil { Console.note("Note: '\(key)' is not a setting this version uses.") }
            Console.print("\(key) = \(value) (\(device ? "this device" : "synced"))")
        }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unset", abstract: "Remove a setting (the synced value or default applies again).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The setting name.") var key: String
        @Flag(help: "Remove this device's override instead of the synced value.") var device = false
        func run() async throws {
            try await global.open().removeSetting(key, scope: device ? .device : .synced)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List settings with their origin.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let settings = try await global.open().settings()
            if json { try Console.printJSON(settings); return }
            Console.print(Console.table(["KEY", "FROM", "VALUE"], settings.map { [$0.key, $0.origin.rawValue, $0.value] }))
        }
    }
}

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts and sizes of the library.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let stats = try await global.open().statistics()
        if json { try Console.printJSON(stats); return }
        var rows: [[String]] = [
            ["generations", "\(stats.generations)"], ["favourites", "\(stats.favorites)"], ["in trash", "\(stats.trashed)"],
            ["pictures", "\(stats.images) (\(ByteCountFormatter.string(fromByteCount: Int64(stats.imageBytes), countStyle: .file)))"],
            ["prompts", "\(stats.prompts)"], ["albums", "\(stats.albums)"], ["tags", "\(stats.tags)"],
        ]
        rows += stats.generationsByStatus.sorted { $0.key < $1.key }.map { ["  \($0.key)", "\($0.value)"] }
        rows += stats.generationsByModel.sorted { $0.value > $1.value }.map { ["  model \($0.key)", "\($0.value)"] }
        Console.print(Console.table(["", "COUNT"], rows))
    }
}
