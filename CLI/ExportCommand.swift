import ArgumentParser
import Darkroom
import DarkroomImaging
import DarkroomStore
import Foundation

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy pictures out of the library with their metadata.",
        discussion: """
            Pictures are copied byte for byte, with their A1111 `parameters` and Darkroom JSON metadata.
            --no-prompt rewrites them without prompt and negative prompt (and drops other programs' text).
            --sidecar writes NAME.json beside each picture with every field (the `show --json` schema).

            Examples:
              darkroom export 3f2a --to ~/Pictures
              darkroom export --all --to backup --sidecar
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Generation ids (any unique prefix).") var ids: [String] = []
    @Flag(help: "Export every live generation that has a picture.") var all = false
    @Option(help: ArgumentHelp("The folder to write into (created when missing).", valueName: "dir")) var to: String
    @Flag(name: .customLong("no-prompt"), help: "Leave the prompt and negative prompt out of the files.") var noPrompt = false
    @Flag(help: "Write a JSON sidecar beside each picture.") var sidecar = false
    @Flag(name: .customLong("include-flagged"), help: "Also export pictures hidden by a safety flag.") var includeFlagged = false

    func validate() throws {
        if all == !ids.isEmpty { throw ValidationError("Give generation ids or --all (not both).") }
    }

    func run() async throws {
        let library = try global.open()
        var items: [GalleryItem]
        if all {
            var query = GalleryQuery()
            query.includeFlagged = includeFlagged
            items = try await library.items(query)
        } else {
            items = []
            for id in ids { items.append(try await library.item(id)) }
        }
        let hidden = items.filter { $0.isFlagged && !includeFlagged }
        if !hidden.isEmpty {
            Console.note("Skipped \(hidden.count) item(s) hidden by a safety flag (add --include-flagged to export them).")
            items.removeAll { $0.isFlagged && !includeFlagged }
        }
        try await LazyPictures.fetch(items, library: library)
        let exported = try await library.export(items, to: URL(fileURLWithPath: to), includePrompt: !noPrompt, sidecar: sidecar,
                                                includeFlagged: includeFlagged)
        for file in exported { Console.print(file.picture.path) }
        let skipped = items.count - exported.count
        Console.note("Exported \(exported.count) picture(s)\(skipped > 0 ? "; \(skipped) item(s) without a picture skipped" : "").")
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bring PNG pictures into the library, with whatever metadata they carry.",
        discussion: """
            Reads metadata written by Darkroom, AUTOMATIC1111 (`parameters`), ComfyUI (`prompt`/`workflow`),
            InvokeAI (`invokeai_metadata`) and Draw Things; a picture without metadata imports as a plain
            picture. The same picture imported twice is reported as a duplicate. Folders are searched for
            .png files recursively. Creates the library when missing.
            Exit code 12 when some files failed (the others were imported).
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "PNG files or folders.") var paths: [String]
    @Flag(help: "Print the outcome of each file as JSON.") var json = false

    func run() async throws {
        let library = try global.open(create: true)
        let report = try await library.importImages(at: paths.map { URL(fileURLWithPath: $0) })
        let notes = Dictionary(report.textLimitNotes.map { ($0.path, $0.notes) }, uniquingKeysWith: +)
        if json {
            try Console.printJSON(report.outcomes.map { ImportOutcomeJSON($0, notes: notes[$0.path] ?? []) })
        } else {
            for outcome in report.outcomes {
                switch outcome {
                case .imported(let path, let id, let source):
                    Console.print("imported   \(id.prefix(8))  \(path)\(source.map { "  (metadata: \($0))" } ?? "")")
                case .duplicate(let path, let existing):
                    Console.print("duplicate  \(existing.prefix(8))  \(path)  (already in the library)")
                case .failed(let path, let error):
                    Console.note("failed     \(path): \(error)")
                }
                for note in notes[outcome.path] ?? [] { Console.note("limited    \(outcome.path): \(note)") }
            }
        }
        Console.note("\(report.importedIDs.count) imported, \(report.duplicateCount) duplicate(s), \(report.failureCount) failed"
                     + (report.skippedNonPNG.isEmpty ? "." : ", \(report.skippedNonPNG.count) non-PNG file(s) skipped."))
        if report.failureCount > 0 {
            throw CLIFailure(code: report.importedIDs.isEmpty && report.duplicateCount == 0 ? .invalidInput : .partialFailure,
                             message: "error: \(report.failureCount) file(s) could not be imported (see above).")
        }
    }
}

/// `import --json` output for one file.
struct ImportOutcomeJSON: Encodable {
    var path: String
    var outcome: String
    var id: String?
    var metadataSource: String?
    var error: String?
    /// What was shortened or left out to keep within the text limits (docs/imaging.md), in words.
    var textLimits: [String] = []

    init(_ outcome: ImportOutcome, notes: [TextLimitNote]) {
        switch outcome {
        case .imported(let path, let id, let source): self.init(path: path, outcome: "imported", id: id, metadataSource: source)
        case .duplicate(let path, let id): self.init(path: path, outcome: "duplicate", id: id)
        case .failed(let path, let error): self.init(path: path, outcome: "failed", error: error)
        }
        textLimits = notes.map(\.description)
    }

    init(path: String, outcome: String, id: String? = nil, metadataSource: String? = nil, error: String? = nil) {
        self.path = path; self.outcome = outcome; self.id = id; self.metadataSource = metadataSource; self.error = error
    }
}

extension ImportOutcome {
    /// The file the outcome is about.
    var path: String {
        switch self {
        case .imported(let path, _, _), .duplicate(let path, _), .failed(let path, _): return path
        }
    }
}
