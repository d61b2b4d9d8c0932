import ArgumentParser
import Darkroom
import Foundation

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make a picture from a prompt with the embedded engine and store it in the library.",
        discussion: """
            Runs on this machine: nothing leaves it. Without --model the shipped default model is used:
            darkroom-shapes-v1, 64x64 pictures of coloured shapes (circle, square, triangle, star, ring; red,
            orange, yellow, green, cyan, blue, purple, pink; positions, relations, backgrounds). Its model card:
            docs/model.md, and its card data: darkroom.json in its folder (Fixtures/models/darkroom-shapes-v1).
            It reads "a", "an", "one" and "single" but does not follow them: without a position it draws two
            objects; give one object a position ("a blue circle in the centre"). "two" works; "three" is unknown.
            Words a model's card does not list are named in a warning before it runs. Sizes must be multiples of
            the model's size step (16 for the shipped model); a size more than twice or less than half the
            declared native size on a side is refused (--any-size makes it anyway).
            Unset options come from the settings (`darkroom settings list`), else built-in defaults.
            Creates the library when missing. Ctrl-C cancels between steps (the job is recorded as cancelled).
            Progress (model loading, prompt encoding, steps, picture N of a batch) goes to stderr: see --progress.

            Examples:
              darkroom generate "a red circle above a blue square"
              darkroom generate "two blue circles side by side" --seed 7 --output circles.png
              darkroom generate "a yellow ring in the centre on a striped background" --count 4
              darkroom generate "a castle" --model ~/models/tiny-sd --size 512x512 --scheduler dpmpp-2m-karras
              darkroom generate "a castle at night" --init-image castle.png --strength 0.6 --model ~/models/sd15
              darkroom generate "a red door" --init-image 3f2a --mask door-mask.png --model ~/models/sd15-inpainting
              darkroom generate "a castle <lora:watercolor:0.8>" --model sd15 --lora detail:0.5
            Image-to-image starts from --init-image (a file is imported into the library; the result records it as
            its input and parent) and moves --strength of the way to a new picture (A1111 and diffusers call it
            denoising strength). With --mask, only the white part is repainted (inpainting): an inpainting model
            (9-channel UNet) or any model, whose latents are blended as diffusers does. --model NAME picks a model
            in the generate.model_dir folder (`darkroom models`); a single-file .safetensors checkpoint works too,
            with --tokenizer DIR (or generate.tokenizer) since checkpoints carry no tokenizer.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "What the picture should show.") var prompt: String
    @Option(name: .customLong("negative"), help: "What the picture should not show.") var negativePrompt: String = ""
    @Option(help: ArgumentHelp("A diffusers model folder (default: the shipped model).", valueName: "dir")) var model: String?
    @Option(help: "Noise seed (default: random, or settings generate.seed when generate.seed_mode is fixed).") var seed: UInt64?
    @Option(help: "Denoising steps.") var steps: Int?
    @Option(help: "Guidance scale (1 disables classifier-free guidance).") var guidance: Double?
    @Option(help: "The sampler (default: settings generate.scheduler, else euler-a).")
    var scheduler: SchedulerKind?
    @Option(help: ArgumentHelp("Picture size: multiples of the model's size step, near its native size (shipped model: 64x64, step 16).",
                               valueName: "WxH")) var size: String?
    @Flag(name: .customLong("any-size"), help: "Make a size far from the model's native size anyway.") var anySize = false
    @Option(help: "Noise generator; only `torch` (torch.Generator on CPU, as diffusers) exists.") var rng: String = "torch"
    @Option(help: ArgumentHelp("Also write the PNG here (with --count, the last one); its bytes depend only on the parameters, so the same settings give the same file.", valueName: "file")) var output: String?
    @Flag(name: .customLong("tiled-decode"),
          help: "Decode in overlapping tiles of the VAE's training size (diffusers' enable_tiling(), A1111's tiled VAE): bounded memory for large pictures, slightly different pixels. Recorded with the picture.")
    var tiledDecode = false
    @Option(help: "Make N pictures with seeds seed, seed+1, … as one batch.") var count: Int = 1
    @Flag(help: "Only add the job(s) to the queue; run them later with `darkroom queue run`.") var queue = false
    @Flag(help: "Print the finished item as JSON.") var json = false
    @Flag(name: .customLong("no-preview"), help: "Draw only the progress bar, no live picture preview (also: DARKROOM_PREVIEW=0).")
    var noPreview = false
    @OptionGroup var progress: ProgressOptions
    @OptionGroup(title: "Starting points") var inputOptions: ImageInputOptions

    func validate() throws {
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
        let library = try await global.open(create: true)
        let defaults = try await GenerationDefaults.load(from: library)
        for ignored in defaults.ignoredSettings { Console.note("warning: a stored setting is ignored: \(ignored)") }
        try await library.checkPrompt(prompt)
        let modelFolder = try ModelChoice.forNew(model, defaults: defaults)
        let loras = try inputOptions.loraSelections(prompt: prompt, defaults: defaults)
        let embeddings = try EmbeddingSelection.used(in: [prompt, negativePrompt], directory: defaults.embeddingsDirectory)
        var (inputs, inputSize) = try await inputOptions.inputs(in: library, loras: loras, embeddings: embeddings)
        if tiledDecode {
            var recorded = inputs ?? GenerationInputs()
            recorded.tiledDecoding = true
            inputs = recorded
        }
        // Without --size, image-to-image keeps the starting picture's size (down to a multiple of 8, as diffusers does).
        let (width, height) = size.flatMap(Self.parseSize) ?? inputSize.map { (max(8, $0.0 / 8 * 8), max(8, $0.1 / 8 * 8)) }
            ?? (defaults.width, defaults.height)
        let request = GenerationRequest(
            prompt: prompt, negativePrompt: negativePrompt,
            seed: seed ?? defaults.seed(), steps: steps ?? defaults.steps, guidance: guidance ?? defaults.guidance,
            scheduler: scheduler ?? defaults.scheduler, width: width, height: height, inputs: inputs)
        // What the model cannot draw is said (or refused) before any job row exists.
        // (A checkpoint has no card file: its card comes from the loaded model, checked below.)
        if !ModelLocator.isCheckpoint(modelFolder) {
            for warning in try ModelAdvice.check(request, card: try ModelAdvice.card(of: modelFolder), anySize: anySize) {
                Console.note(warning)
            }
        }
        if queue {
            let ids = try await library.enqueue(request, count: count, modelID: modelFolder.lastPathComponent, modelPath: modelFolder.path)
            for id in ids { Console.print(id.rawValue) }
            Console.note("Queued \(ids.count) job(s); run them with `darkroom queue run`.")
            return
        }
        let display = ProgressLine(style: json && progress.progress == .auto ? .silent : progress.style, preview: !noPreview)
        display.loadingModel(modelFolder.lastPathComponent)
        let generator = try EngineGenerator.load(model: modelFolder, tokenizer: inputOptions.tokenizerFolder(defaults: defaults), loras: loras,
                                                 embeddings: embeddings)
        display.modelLoaded()
        if ModelLocator.isCheckpoint(modelFolder) {
            for warning in try ModelAdvice.check(request, card: generator.card, anySize: anySize) { Console.note(warning) }
        }
        let batchID = count > 1 ? StableID.make() : nil
        var made: [GalleryItem] = []
        for index in 0..<count {
            var item = request
            item.seed = request.seed &+ UInt64(index)
            display.beginPicture(index + 1, of: count)
            made.append(try await GenerationRunner.run(
                item, in: library, using: generator, batch: batchID.map { BatchPosition(id: $0, index: index) },
                modelPath: modelFolder.path, display: display))
        }
        display.done(pictures: made.count)
        if let output, let last = made.last {
            try Library.writeExport(await library.reproduciblePNG(last), to: URL(fileURLWithPath: output))
        }
        if json {
            try Console.printJSON(made.map { GalleryItemJSON($0, folder: library.folder) })
        } else {
            for item in made { Console.print(GenerationRunner.summary(item, library: library)) }
        }
    }
}

/// Runs one job in the foreground for the CLI: progress on stderr, Ctrl-C cancels cleanly.
enum GenerationRunner {
    /// Runs `request`; `display` (shared by a batch) shows its progress, else a bar on a terminal when
    /// `showProgress`. A size the model cannot draw (not a multiple of its size step) is refused before
    /// any row is recorded.
    static func run(_ request: GenerationRequest, in library: Library, using generator: any ImageGenerator,
                    parentID: GenerationID? = nil, batch: BatchPosition? = nil, modelPath: String?,
                    showProgress: Bool = true, preview: Bool = true, display: ProgressLine? = nil) async throws -> GalleryItem {
        if let card = (generator as? EngineGenerator)?.card {
            for warning in try ModelAdvice.check(request, card: card, anySize: true) where display == nil { Console.note(warning) }
        }
        let progress = display ?? ProgressLine(style: showProgress && Console.stderrIsTTY ? .bar : .silent, preview: preview)
        return try await foreground(progress, library: library) { report in
            try await library.runGeneration(request, using: generator, parentID: parentID, batch: batch, modelPath: modelPath,
                                            progress: report)
        }
    }

    /// Runs `job` in a task that the first Ctrl-C cancels, drawing its progress; the finished picture
    /// replaces the preview.
    private static func foreground<T: Sendable>(
        _ progress: ProgressLine, library: Library,
        _ job: @escaping @Sendable (@escaping @Sendable (GenerationProgress) -> Void) async throws -> T
    ) async throws -> T {
        try await interruptible(progress) { try await job { show($0, on: progress, library: library) } }
    }

    /// Draws one progress event; the finished picture replaces the preview.
    static func show(_ event: GenerationProgress, on progress: ProgressLine, library: Library) {
        if case .finished(let item) = event {
            let path = item.image.map { library.url(of: $0.path) }
            let pixels = path.flatMap { try? Data(contentsOf: $0) }.flatMap { try? PNGCodec.decode($0).image }
            progress.finished(item, pixels: pixels, path: path?.path)
        } else {
            progress.report(event)
        }
    }

    /// Runs `work` in a task that the first Ctrl-C cancels (the second stops drawing), and waits for it:
    /// a cancelled job has ended `cancelled` when this returns.
    static func interruptible<T: Sendable>(_ progress: ProgressLine, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let runner = Task { try await work() }
        let interrupts = InterruptHandler(onFirst: { progress.cancelling(); runner.cancel() }, onSecond: { progress.finish() })
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
