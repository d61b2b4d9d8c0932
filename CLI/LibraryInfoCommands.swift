import ArgumentParser
import Darkroom
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
            let library = try await global.open()
            let reuse = try await library.promptForReuse(library.resolvePromptID(id))
            let (prompt, latest) = (reuse.prompt, reuse.latest)
            let defaults = try await GenerationDefaults.load(from: library)
            var request: GenerationRequest
            if let latest {
                request = try GenerationRequest(latest)
                request.variationSeed = nil
                request.variationStrength = nil
            } else {
                request = GenerationRequest(prompt: prompt.text, negativePrompt: prompt.negativeText, seed: 0, steps: defaults.steps,
                                            guidance: defaults.guidance, scheduler: defaults.scheduler,
                                            width: defaults.width, height: defaults.height)
            }
            request.seed = defaults.seed()
            overrides.apply(to: &request)
            let folder = try ShippedModel.or(overrides.model ?? latest?.modelPath ?? defaults.model, modelDirectory: defaults.modelDirectory)
            Console.note("Prompt \(prompt.id.prefix(8)): \(request.steps) steps, guidance \(request.guidance), \(request.scheduler), \(request.width)x\(request.height), seed \(request.seed)")
            let item = try await GenerationRunner.run(request, in: library, using: try EngineGenerator.load(modelDirectory: folder),
                                                      modelPath: folder.path, showProgress: true)
            Console.print(GenerationRunner.summary(item, library: library))
        }
    }
}

/// `prompts --json` output.
struct PromptJSON: Encodable {
    var id: PromptID, text: String, negativeText: String, useCount: Int, firstUsedAt: Date, lastUsedAt: Date
}
