import ArgumentParser
import Darkroom
import DarkroomStore
import Foundation

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make a picture from a prompt with the embedded engine and store it in the library.",
        discussion: """
            Runs on this machine: nothing leaves it. Without --model the shipped default model is used.
            Unset options come from the settings (`darkroom settings list`), else built-in defaults.
            Creates the library when missing. Ctrl-C cancels between steps (the job is recorded as cancelled).

            Examples:
              darkroom generate "a red circle above a blue square"
              darkroom generate "two green stars" --seed 7 --steps 8 --output stars.png
              darkroom generate "a cat" --model ~/models/tiny-sd --size 512x512 --scheduler dpmpp-2m-karras
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "What the picture should show.") var prompt: String
    @Option(name: .customLong("negative"), help: "What the picture should not show.") var negativePrompt: String = ""
    @Option(help: ArgumentHelp("A diffusers model folder (default: the shipped model).", valueName: "dir")) var model: String?
    @Option(help: "Noise seed (default: random, or settings generate.seed when generate.seed_mode is fixed).") var seed: UInt64?
    @Option(help: "Denoising steps.") var steps: Int?
    @Option(help: "Guidance scale (1 disables classifier-free guidance).") var guidance: Double?
    @Option(help: "ddim, euler, euler-a, dpmpp-2m, dpmpp-2m-karras or lcm (default: settings generate.scheduler, else euler-a).")
    var scheduler: String?
    @Option(help: ArgumentHelp("Picture size.", valueName: "WxH")) var size: String?
    @Option(help: "Noise generator; only `torch` (torch.Generator on CPU, as diffusers) exists.") var rng: String = "torch"
    @Option(help: ArgumentHelp("Also write the PNG here (with --count, the last one); its bytes depend only on the parameters, so the same settings give the same file.", valueName: "file")) var output: String?
    @Option(help: "Make N pictures with seeds seed, seed+1, … as one batch.") var count: Int = 1
    @Flag(help: "Only add the job(s) to the queue; run them later with `darkroom queue run`.") var queue = false
    @Flag(help: "Print the finished item as JSON.") var json = false
    @Flag(name: .customLong("no-preview"), help: "Draw only the progress bar, no live picture preview (also: DARKROOM_PREVIEW=0).")
    var noPreview = false

    static let schedulers = ["ddim", "euler", "euler-a", "dpmpp-2m", "dpmpp-2m-karras", "lcm"]

    func validate() throws {
        if let scheduler, !Self.schedulers.contains(scheduler) {
            throw ValidationError("Unknown scheduler '\(scheduler)': use \(Self.schedulers.joined(separator: ", ")).")
        }
        if let size, Self.parseSize(size) == nil { throw ValidationError("--size takes WIDTHxHEIGHT, e.g. 64x64; got '\(size)'.") }
        guard rng == "torch" else { throw ValidationError("Unknown --rng '\(rng)': only `torch` is supported.") }
        if let steps, steps < 1 { throw ValidationError("--steps must be 1 or more.") }
        guard (1...1000).contains(count) else { throw ValidationError("--count must be between 1 and 1000.") }
    }

    static func parseSize(_ text: String) -> (Int, Int)? {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else { return nil }
        return (w, h)
    }

    func run() async throws {
        let library = try global.open(create: true)
        let defaults = try await GenerationDefaults.load(from: library)
        let request = GenerationRequest(
            prompt: prompt, negativePrompt: negativePrompt,
            seed: seed ?? defaults.seed(), steps: steps ?? defaults.steps, guidance: guidance ?? defaults.guidance,
            scheduler: scheduler ?? defaults.scheduler,
            width: size.flatMap(Self.parseSize)?.0 ?? defaults.width, height: size.flatMap(Self.parseSize)?.1 ?? defaults.height)
        try await library.checkPrompt(prompt)
        let modelFolder = try ModelLocator.locate(explicit: model ?? defaults.model)
        if queue {
            let ids = try await library.enqueue(request, count: count, modelID: modelFolder.lastPathComponent, modelPath: modelFolder.path)
            for id in ids { Console.print(id) }
            Console.note("Queued \(ids.count) job(s); run them with `darkroom queue run`.")
            return
        }
        let generator = try EngineGenerator.load(modelDirectory: modelFolder)
        let batchID = count > 1 ? StableID.make() : nil
        var made: [GalleryItem] = []
        for index in 0..<count {
            var item = request
            item.seed = request.seed &+ UInt64(index)
            made.append(try await GenerationRunner.run(
                item, in: library, using: generator, batch: batchID.map { BatchPosition(id: $0, index: index) },
                modelPath: modelFolder.path, showProgress: !json, preview: !noPreview))
        }
        if let output, let last = made.last {
            try Library.writeExport(library.reproduciblePNG(last), to: URL(fileURLWithPath: output))
        }
        if json {
            try Console.printJSON(made.map { GalleryItemJSON($0, folder: library.folder) })
        } else {
            for item in made { Console.print(GenerationRunner.summary(item, library: library)) }
        }
    }
}

/// Runs one job in the foreground for the CLI: progress bar on a terminal, Ctrl-C cancels cleanly.
enum GenerationRunner {
    static func run(_ request: GenerationRequest, in library: Library, using generator: any ImageGenerator,
                    parentID: String? = nil, batch: BatchPosition? = nil, modelPath: String?,
                    showProgress: Bool, preview: Bool = true) async throws -> GalleryItem {
        try await foreground(showProgress: showProgress, preview: preview) { progress in
            try await library.runGeneration(request, using: generator, parentID: parentID, batch: batch, modelPath: modelPath,
                                            progress: progress)
        }
    }

    /// Runs one queued job (claimed atomically) with the same progress and Ctrl-C handling.
    static func runQueued(_ id: String, in library: Library, using generator: any ImageGenerator) async throws -> GalleryItem? {
        try await foreground(showProgress: true) { progress in
            try await library.runQueuedJob(id, using: generator, progress: progress)
        }
    }

    /// Runs `job` in a task that the first Ctrl-C cancels, drawing its progress on a terminal.
    private static func foreground<T: Sendable>(
        showProgress: Bool, preview: Bool = true,
        _ job: @escaping @Sendable (@escaping @Sendable (GenerationProgress) -> Void) async throws -> T
    ) async throws -> T {
        let progress = ProgressLine(enabled: Console.stderrIsTTY && showProgress, preview: preview)
        let runner = Task { try await job { progress.report($0) } }
        let interrupts = InterruptHandler { runner.cancel() }
        defer {
            interrupts.stop()
            progress.finish()
        }
        return try await runner.value
    }

    /// One line about a finished job.
    static func summary(_ item: GalleryItem, library: Library) -> String {
        let g = item.generation
        let flag = item.isFlagged ? "  [hidden by a safety flag: `darkroom flags`]" : ""
        return "\(g.id.prefix(8))  seed \(g.unsignedSeed.map(String.init) ?? "-")  \(g.durationMs ?? 0) ms  \(item.image.map { library.url(of: $0.path).path } ?? "")\(flag)"
    }
}
