import ArgumentParser
import Darkroom
import Foundation

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "The persistent job queue: list, run, cancel, retry, clear.",
        discussion: """
            `darkroom generate … --queue [--count N]` adds jobs; they survive restarts. A job interrupted by a
            crash or kill is marked failed on the next open, with the reason; `queue retry ID` queues it again.
            """,
        subcommands: [List.self, Run.self, Cancel.self, Retry.self, Clear.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Queued and running jobs, oldest first.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let library = try await global.open()
            let jobs = try await library.queuedJobs()
            let items = try await library.items(of: jobs)
            try Console.printItems(items, library: library, json: json, empty: "The queue is empty.")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Run queued jobs, oldest first, until the queue is empty.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Run at most this many jobs.") var limit: Int?
        @OptionGroup var progress: ProgressOptions
        func run() async throws {
            let library = try await global.open()
            let display = ProgressLine(style: progress.style)
            let summary = try await GenerationRunner.interruptible(display) {
                try await library.runQueue(limit: limit, model: { try await Self.model(of: $0, library: library) }) { event in
                    switch event {
                    case .job(_, let number, let total): display.beginPicture(number, of: total)
                    case .loadingModel(let name): display.loadingModel(name)
                    case .modelLoaded: display.modelLoaded()
                    case .progress(let progress):
                        GenerationRunner.show(progress, on: display, library: library)
                        if case .finished(let item) = progress { Console.print(GenerationRunner.summary(item, library: library)) }
                    case .failed(let id, let reason): Console.note("\(id.prefix(8))  failed: \(reason)")
                    }
                }
            }
            display.done(pictures: summary.succeeded)
            Console.note("Ran \(summary.succeeded) job(s), \(summary.failed) failed.")
            if summary.failed > 0 { throw CLIFailure(code: .generationFailed, message: "error: \(summary.failed) job(s) failed (see above).") }
        }

        /// Where a queued job's model is: its recorded folder, with one engine per model and set of LoRAs
        /// (a LoRA is merged into the weights when the model loads).
        static func model(of job: GenerationRecord, library: Library) async throws -> JobModel {
            let folder = try ShippedModel.or(job.modelPath, modelDirectory: nil)
            let loras = GenerationInputs(storedJSON: job.inputs)?.loras.map(\.sha256).joined(separator: ",") ?? ""
            return JobModel(key: folder.path + "|" + loras, name: folder.lastPathComponent) {
                try await ModelChoice.generator(reRunning: job, from: folder, library: library)
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel queued jobs (a job running in another process: Ctrl-C there).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Job ids (any unique prefix).") var ids: [String]
        func run() async throws {
            let (library, resolved) = try await global.open(resolving: ids)
            let cancelled = try await library.cancelQueued(resolved)
            Console.print("Cancelled \(cancelled.count) job(s).")
            if cancelled.count < ids.count { Console.note("\(ids.count - cancelled.count) job(s) were not queued.") }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retry", abstract: "Queue failed or cancelled jobs again (as new jobs whose parent is the old one).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Job ids (any unique prefix).") var ids: [String]
        func run() async throws {
            let (library, resolved) = try await global.open(resolving: ids)
            for id in try await library.retry(resolved) { Console.print(id.rawValue) }
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "clear", abstract: "Cancel every queued job.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            Console.print("Cancelled \(try await global.open().clearQueue()) queued job(s).")
        }
    }
}

struct RerunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerun",
        abstract: "Run a generation again with the same parameters (optionally changing some); the new one records its parent.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The generation id (any unique prefix).") var id: String
    @OptionGroup var overrides: ParameterOverrides

    func run() async throws {
        let library = try await global.open()
        let parent = try await library.item(prefix: id).generation
        guard parent.source == .generate || !parent.prompt.isEmpty else {
            throw LibraryError.invalidArgument("\(parent.id.prefix(8)) has no generation parameters to re-run.")
        }
        var request = try GenerationRequest(parent)
        overrides.apply(to: &request)
        let folder = try await ModelChoice.forRecorded(parent, option: overrides.model, library: library)
        let generator = try await ModelChoice.generator(reRunning: parent, from: folder, library: library)
        let item = try await GenerationRunner.run(request, in: library, using: generator,
                                                  parentID: parent.id, modelPath: folder.path, showProgress: true)
        Console.print(GenerationRunner.summary(item, library: library))
    }
}

/// Parameters a command re-using stored settings (`rerun`, `prompts use`) lets the user change.
struct ParameterOverrides: ParsableArguments {
    @Option(help: "A different seed.") var seed: UInt64?
    @Option(help: "A different step count.") var steps: Int?
    @Option(help: "A different guidance scale.") var guidance: Double?
    @Option(help: "A different scheduler.") var scheduler: SchedulerKind?
    @Option(help: ArgumentHelp("A different size.", valueName: "WxH")) var size: String?
    @Option(help: ArgumentHelp("A different model folder.", valueName: "dir")) var model: String?

    func validate() throws {
        if let size, GenerateCommand.parseSize(size) == nil { throw ValidationError("--size takes WIDTHxHEIGHT.") }
    }

    /// Replaces what was given in `request`.
    func apply(to request: inout GenerationRequest) {
        if let seed { request.seed = seed }
        if let steps { request.steps = steps }
        if let guidance { request.guidance = guidance }
        if let scheduler { request.scheduler = scheduler }
        if let size, let (w, h) = GenerateCommand.parseSize(size) { request.width = w; request.height = h }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-run generations and check they reproduce: same model, engine, RNG and pixels.",
        discussion: "Prints `identical` or the first difference for each. Exit code 14 when any differs.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Generation ids (any unique prefix).") var ids: [String]
    @Option(help: ArgumentHelp("Verify with this model folder instead of the stored one.", valueName: "dir")) var model: String?

    func run() async throws {
        let library = try await global.open()
        var differing = 0
        for id in ids {
            let row = try await library.item(prefix: id).generation
            let folder = try await ModelChoice.forRecorded(row, option: model, library: library)
            let report = try await library.verify(row.id, using: try await ModelChoice.generator(reRunning: row, from: folder, library: library))
            switch report.verdict {
            case .identical: Console.print("\(row.id.prefix(8))  identical")
            case .different(let why): Console.print("\(row.id.prefix(8))  different: \(why)"); differing += 1
            }
        }
        if differing > 0 {
            throw CLIFailure(code: .notReproduced, message: "error: \(differing) generation(s) did not reproduce.")
        }
    }
}

struct VaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vary",
        abstract: "Make variations of a result: its noise mixed with other seeds' noise (A1111's variation seed and strength).",
        discussion: """
            Each variation keeps the parent's seed and parameters and mixes in the noise of another seed:
            strength 0 reproduces the parent, 1 is the other seed's picture. Variations record their parent.

            Example: darkroom vary 3f2a --count 4 --strength 0.3
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The generation id (any unique prefix).") var id: String
    @Option(help: "How many variations.") var count: Int = 4
    @Option(help: "How far from the parent, 0–1.") var strength: Double = 0.25
    @Option(help: "The first variation seed (default: random); the others follow it.") var variationSeed: UInt64?
    @Option(help: ArgumentHelp("A different model folder.", valueName: "dir")) var model: String?

    func validate() throws {
        guard (0...1).contains(strength) else { throw ValidationError("--strength must be between 0 and 1.") }
        guard (1...100).contains(count) else { throw ValidationError("--count must be between 1 and 100.") }
    }

    func run() async throws {
        let library = try await global.open()
        let parent = try await library.item(prefix: id).generation
        guard parent.source == .generate, parent.seed != nil else {
            throw LibraryError.invalidArgument("\(parent.id.prefix(8)) has no generation parameters to vary.")
        }
        let folder = try await ModelChoice.forRecorded(parent, option: model, library: library)
        let display = ProgressLine(style: Console.stderrIsTTY ? .bar : .silent)
        display.loadingModel(folder.lastPathComponent)
        let generator = try await ModelChoice.generator(reRunning: parent, from: folder, library: library)
        display.modelLoaded()
        let first = variationSeed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let batchID = StableID.make()
        for index in 0..<count {
            var request = try GenerationRequest(parent)
            request.variationSeed = first &+ UInt64(index)
            request.variationStrength = strength
            display.beginPicture(index + 1, of: count)
            let item = try await GenerationRunner.run(request, in: library, using: generator, parentID: parent.id,
                                                      batch: BatchPosition(id: batchID, index: index),
                                                      modelPath: folder.path, display: display)
            Console.print(GenerationRunner.summary(item, library: library) + "  variation seed \(request.variationSeed!)")
        }
    }
}
