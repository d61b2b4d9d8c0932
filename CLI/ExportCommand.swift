import ArgumentParser
import Darkroom
import Foundation

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy pictures out of the library with their metadata.",
        discussion: """
            Choose what to export by ids, with --all, or with a selection: --search (the `list` search
            syntax), --album, --tag, --favorites (combined, all must match). Pictures are copied byte for
            byte, with the metadata they carry (an imported picture keeps its tool's metadata).
            --no-prompt rewrites them without prompt and negative prompt (keeping the original tool's
            settings line). --sidecar writes NAME.json beside each picture with every field (the
            `show --json` schema).

            Files are named darkroom-<first 12 id characters>.png. A file already in the folder is never
            replaced: the same file is left as it is ("already there"), a different one gets the next free
            name (…-2.png); --overwrite replaces it instead.

            Examples:
              darkroom export 3f2a --to ~/Pictures
              darkroom export --all --to backup --sidecar
              darkroom export --album "Best of" --to best
              darkroom export --search "red circle -blue" --favorites --to picks --no-prompt
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Generation ids (any unique prefix).") var ids: [String] = []
    @Flag(help: "Export every live generation that has a picture.") var all = false
    @Option(help: ArgumentHelp("Only generations matching this search (the `list` syntax).", valueName: "text")) var search: String?
    @Option(help: "Only members of this album.") var album: String?
    @Option(help: "Only generations with this tag.") var tag: String?
    @Flag(help: "Only favourites.") var favorites = false
    @Option(help: ArgumentHelp("The folder to write into (created when missing).", valueName: "dir")) var to: String
    @Flag(name: .customLong("no-prompt"), help: "Leave the prompt and negative prompt out of the files (Content Credentials are signed anew without them).") var noPrompt = false
    @Flag(name: .customLong("no-credentials"), help: "Leave the Content Credentials (C2PA manifest) out of the files.") var noCredentials = false
    @Flag(help: "Write a JSON sidecar beside each picture.") var sidecar = false
    @Flag(name: .customLong("include-flagged"), help: "Also export pictures hidden by a safety flag.") var includeFlagged = false
    @Flag(help: "Replace files of the same name in the folder instead of choosing a new name.") var overwrite = false
    @OptionGroup var progress: ProgressOptions

    /// True when a selection option narrows what is exported.
    private var selects: Bool { search != nil || album != nil || tag != nil || favorites }

    func validate() throws {
        if ids.isEmpty && !all && !selects {
            throw ValidationError("Give generation ids, --all, or a selection (--search, --album, --tag, --favorites).")
        }
        if !ids.isEmpty && (all || selects) {
            throw ValidationError("Give generation ids or --all/a selection, not both.")
        }
    }

    func run() async throws {
        let library = try await global.open()
        var items: [GalleryItem]
        var hidden = 0
        if ids.isEmpty {
            var query: GalleryQuery
            do {
                query = try GalleryQuery.checkedParse(search: search ?? "")
            } catch let error as SearchTermError {
                throw CLIFailure(code: .usage, message: "error: \(ListCommand.words(for: error))")
            }
            query.album = album ?? query.album
            query.tag = tag ?? query.tag
            query.favoritesOnly = favorites
            query.includeFlagged = includeFlagged
            items = try await library.items(query)
            hidden = try await library.hiddenCount(query)
        } else {
            items = []
            for id in ids { items.append(try await library.item(prefix: id)) }
            hidden = items.filter { $0.isFlagged && !includeFlagged }.count
            items.removeAll { $0.isFlagged && !includeFlagged }
        }
        if hidden > 0 { Console.note(Console.hiddenNote(hidden) + " Add --include-flagged to export them.") }
        try await LazyPictures.fetch(items, library: library)
        // One item at a time, so that progress moves with each picture written.
        let reporter = ProgressReporter(task: "export", unit: "pictures", style: progress.style)
        var exported: [ExportedFile] = []
        for (index, item) in items.enumerated() {
            exported += try await library.export([item], to: URL(fileURLWithPath: to), includePrompt: !noPrompt, sidecar: sidecar,
                                                 includeFlagged: includeFlagged, overwrite: overwrite, credentials: !noCredentials)
            reporter.update(done: index + 1, total: items.count, path: exported.last?.picture.path)
        }
        reporter.finish(done: items.count, total: items.count)
        for file in exported { Console.print(file.picture.path + (file.alreadyThere ? "  (already there)" : "")) }
        let skipped = items.count - exported.count
        let same = exported.filter(\.alreadyThere).count
        Console.note("Exported \(exported.count - same) picture(s)"
                     + (same > 0 ? "; \(same) already there, unchanged" : "")
                     + (skipped > 0 ? "; \(skipped) item(s) without a picture skipped" : "") + ".")
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
    @OptionGroup var progress: ProgressOptions

    func run() async throws {
        let library = try await global.open(create: true)
        let reporter = ProgressReporter(task: "import", unit: "files", style: progress.style)
        reporter.begin(phase: "finding pictures")
        let plan = try ImportPlan(paths.map { URL(fileURLWithPath: $0) })
        // One file at a time through the facade, so that progress (files/s, ETA) moves with each file.
        var reports: [ImportReport] = []
        for (index, file) in plan.files.enumerated() {
            reports.append(try await library.importImages(at: [file]))
            reporter.update(done: index + 1, total: plan.files.count, path: file.path)
        }
        reporter.finish(done: plan.files.count, total: plan.files.count)
        let outcomes = reports.flatMap(\.outcomes)
        let notes = Dictionary(reports.flatMap(\.textLimitNotes).map { ($0.path, $0.notes) }, uniquingKeysWith: +)
        if json {
            try Console.printJSON(outcomes.map { ImportOutcomeJSON($0, notes: notes[$0.path] ?? []) })
        } else {
            for outcome in outcomes {
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
        let imported = reports.reduce(0) { $0 + $1.importedIDs.count }
        let duplicates = reports.reduce(0) { $0 + $1.duplicateCount }
        let failures = reports.reduce(0) { $0 + $1.failureCount }
        Console.note("\(imported) imported, \(duplicates) duplicate(s), \(failures) failed"
                     + (plan.skippedNonPNG.isEmpty ? "." : ", \(plan.skippedNonPNG.count) non-PNG file(s) skipped."))
        if failures > 0 {
            throw CLIFailure(code: imported == 0 && duplicates == 0 ? .invalidInput : .partialFailure,
                             message: "error: \(failures) file(s) could not be imported (see above).")
        }
    }
}

/// `import --json` output for one file.
struct ImportOutcomeJSON: Encodable {
    var path: String
    var outcome: String
    var id: GenerationID?
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

    init(path: String, outcome: String, id: GenerationID? = nil, metadataSource: String? = nil, error: String? = nil) {
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
