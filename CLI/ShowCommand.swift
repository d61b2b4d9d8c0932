import ArgumentParser
import Darkroom
import DarkroomImaging
import DarkroomStore
import Foundation

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show every field of a generation, its lineage and its picture.",
        discussion: """
            The picture is drawn in the terminal when stdout is a terminal: with the kitty or iTerm2 image
            protocol or sixel when the terminal is recognised, else with coloured half-blocks.
            """)

    /// How to draw the picture.
    enum PictureMode: String, ExpressibleByArgument, CaseIterable {
        case auto, none, blocks, kitty, iterm, sixel
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The generation id (any unique prefix).")
    var id: String

    @Option(name: .customLong("image"), help: "How to draw the picture: auto, none, blocks, kitty, iterm, sixel.")
    var picture: PictureMode = .auto

    @Flag(help: "Print the item as JSON (schema in docs/cli.md).")
    var json = false

    @Flag(name: .customLong("include-flagged"), help: "Draw the picture even when a safety flag hides it.")
    var includeFlagged = false

    func run() async throws {
        let library = try global.open()
        let item = try await library.item(id)
        if json {
            try Console.printJSON(GalleryItemJSON(item, folder: library.folder))
            return
        }
        let g = item.generation
        var lines: [(String, String)] = [
            ("id", g.id), ("status", g.status.rawValue + (g.error.map { " — \($0)" } ?? "")), ("source", g.source.rawValue),
            ("prompt", g.prompt), ("negative prompt", g.negativePrompt),
            ("seed", g.unsignedSeed.map(String.init) ?? "-"), ("steps", g.steps.map(String.init) ?? "-"),
            ("guidance", g.guidance.map { String($0) } ?? "-"), ("scheduler", g.scheduler ?? "-"),
            ("size", g.width.flatMap { w in g.height.map { "\(w)x\($0)" } } ?? "-"),
            ("model", g.modelID ?? "-"), ("model hash", g.modelHash ?? "-"), ("engine", g.engineVersion ?? "-"),
            ("rng", g.rngKind ?? "-"), ("favourite", g.favorite ? "yes" : "no"), ("rating", "\(g.rating)/5"),
            ("tags", item.tags.joined(separator: ", ")), ("albums", item.albums.joined(separator: ", ")),
            ("created", "\(g.createdAt)"), ("queued", "\(g.queuedAt)"),
            ("finished", g.finishedAt.map { "\($0)" } ?? "-"), ("duration", g.durationMs.map { "\($0) ms" } ?? "-"),
            ("device", g.deviceID ?? "-"),
        ]
        if let variation = g.unsignedVariationSeed {
            lines.append(("variation", "seed \(variation), strength \(g.variationStrength.map { String($0) } ?? "-")"))
        }
        if let batch = g.batchID { lines.append(("batch", "\(batch) #\(g.batchIndex ?? 0)")) }
        if let source = g.metadataSource { lines.append(("metadata from", source)) }
        if let trashed = g.trashedAt { lines.append(("trashed", "\(trashed)")) }
        for flag in try await library.flags(of: g.id) {
            let state = flag.clearedAt.map { "cleared \($0) by \(flag.clearedBy ?? "?")" } ?? "active: hidden"
            lines.append(("safety flag", "\(flag.detector) v\(flag.detectorVersion): \(flag.reason) (\(state))"))
        }
        if let image = item.image {
            lines.append(("picture", library.url(of: image.path).path))
            lines.append(("picture hash", image.hash))
            lines.append(("picture size", "\(image.width)x\(image.height), \(image.byteSize) bytes"))
        }
        let ancestors = try await library.ancestors(of: g.id)
        if !ancestors.isEmpty {
            lines.append(("lineage", ancestors.map { String($0.id.prefix(8)) }.reversed().joined(separator: " → ") + " → this"))
        }
        let children = try await library.children(of: g.id)
        if !children.isEmpty { lines.append(("children", children.map { String($0.id.prefix(8)) }.joined(separator: ", "))) }
        let width = lines.map(\.0.count).max() ?? 0
        let indent = "\n" + String(repeating: " ", count: width + 2)
        for (key, value) in lines {
            // A value's later lines are indented under it, so text in a prompt cannot pass for a field of its own.
            let shown = TerminalText.sanitize(value).split(separator: "\n", omittingEmptySubsequences: false).joined(separator: indent)
            Console.print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + shown)
        }
        try await LazyPictures.fetch([item], library: library)
        try drawPicture(item, library: library)
    }

    private func drawPicture(_ item: GalleryItem, library: Library) throws {
        guard let image = item.image else { return }
        if item.isFlagged && !includeFlagged {
            Console.note("The picture is hidden by a safety flag; add --include-flagged to draw it.")
            return
        }
        let proto: TerminalImageProtocol
        switch picture {
        case .auto: proto = TerminalImageProtocol.detect(environment: ProcessInfo.processInfo.environment, isTTY: Console.stdoutIsTTY)
        case .none: return
        case .blocks: proto = .blocks
        case .kitty: proto = .kitty
        case .iterm: proto = .iterm
        case .sixel: proto = .sixel
        }
        guard proto != .none else { return }
        let data: Data
        do { data = try Data(contentsOf: library.url(of: image.path)) } catch {
            throw LibraryError.missingImageFile(path: image.path)
        }
        let decoded = try PNGCodec.decode(data)
        Console.printTerminalPicture(TerminalImageRenderer.render(decoded.image, as: proto, maxColumns: min(Console.columns, 64), maxRows: 32))
    }
}
