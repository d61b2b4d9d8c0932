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
    @Option(help: "ddim, euler, euler-a, dpmpp-2m, dpmpp-2m-karras or lcm.") var scheduler: String?
    @Option(help: ArgumentHelp("Picture size.", valueName: "WxH")) var size: String?
    @Option(help: "Noise generator; only `torch` (torch.Generator on CPU, as diffusers) exists.") var rng: String = "torch"
    @Option(help: ArgumentHelp("Also write the PNG here.", valueName: "file")) var output: String?
    @Flag(help: "Print the finished item as JSON.") var json = false

    static let schedulers = ["ddim", "euler", "euler-a", "dpmpp-2m", "dpmpp-2m-karras", "lcm"]

    func validate() throws {
        if let scheduler, !Self.schedulers.contains(scheduler) {
            throw ValidationError("Unknown scheduler '\(scheduler)': use \(Self.schedulers.joined(separator: ", ")).")
        }
        if let size, Self.parseSize(size) == nil { throw ValidationError("--size takes WIDTHxHEIGHT, e.g. 64x64; got '\(size)'.") }
        guard rng == "torch" else { throw ValidationError("Unknown --rng '\(rng)': only `torch` is supported.") }
        if let steps, steps < 1 { throw ValidationError("--steps must be 1 or more.") }
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
        let generator = try EngineGenerator.load(modelDirectory: ModelLocator.locate(explicit: model ?? defaults.model))
        let progress = ProgressLine(enabled: Console.stderrIsTTY && !json)
        let runner = Task {
            try await library.runGeneration(request, using: generator) { event in
                switch event {
                case .started(let id): progress.start(id: id)
                case .step(_, let step, let total, _): progress.update(step: step, total: total)
                case .finished: break
                }
            }
        }
        let interrupts = InterruptHandler { runner.cancel() }
        defer { interrupts.stop() }
        let item: GalleryItem
        do {
            item = try await runner.value
            progress.finish()
        } catch {
            progress.finish()
            throw error
        }
        if let output, let image = item.image {
            try Library.writeExport(Data(contentsOf: library.url(of: image.path)), to: URL(fileURLWithPath: output))
        }
        if json {
            try Console.printJSON(GalleryItemJSON(item, folder: library.folder))
        } else {
            Console.print("\(item.id.prefix(8))  seed \(request.seed)  \(item.generation.durationMs ?? 0) ms  \(library.url(of: item.image!.path).path)")
        }
    }
}
