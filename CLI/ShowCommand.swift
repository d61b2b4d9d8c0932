import ArgumentParser
import Darkroom
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
        let library = try await global.open()
        let item = try await library.item(prefix: id)
        var credentials: CredentialsReport?
        if let image = item.image { credentials = try await library.storedCredentials(forImage: image.hash) }
        if json {
            var output = GalleryItemJSON(item, folder: library.folder)
            output.credentials = credentials
            try Console.printJSON(output)
            return
        }
        let ancestors = try await library.ancestors(of: item.id)
        let children = try await library.children(of: item.id)
        let flags = try await library.flags(of: item.id)
        let details = ShowDetails(item: item, library: library, ancestors: ancestors, children: children, flags: flags,
                                  credentials: credentials)
        let columns = Console.columns, rows = Console.rows
        // On a terminal too short for one field a line and a picture, fields are grouped (every one still shown).
        var text = details.render(details.full)
        let wantsPicture = picture != .none && item.image != nil
        if let rows, TerminalWidth.lines(text, columns: columns) + (wantsPicture ? Self.minimumPictureRows : 0) >= rows {
            text = details.render(details.compact, columns: columns)
        }
        Console.print(text)
        try await LazyPictures.fetch([item], library: library)
        try drawPicture(item, library: library, rowsLeft: rows.map { $0 - TerminalWidth.lines(text, columns: columns) - 2 })
    }

    /// The fewest rows a picture is drawn in when `--image auto` has to fit it under the fields.
    static let minimumPictureRows = 6

    /// Draws the picture in at most `rowsLeft` rows (nil: the terminal's height is unknown, up to 32 rows).
    /// With `--image auto`, a picture that would get fewer than ``minimumPictureRows`` is not drawn.
    private func drawPicture(_ item: GalleryItem, library: Library, rowsLeft: Int?) throws {
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
        if picture == .auto, let rowsLeft, rowsLeft < Self.minimumPictureRows {
            Console.note("The picture is not drawn: the terminal is too small (\(Console.columns)x\(Console.rows ?? 0)); enlarge it, or use --image blocks.")
            return
        }
        let data: Data
        do { data = try Data(contentsOf: library.url(of: image.path)) } catch {
            throw LibraryError.missingImageFile(path: image.path)
        }
        let decoded = try PNGCodec.decode(data)
        let maxRows = rowsLeft.map { max(Self.minimumPictureRows, min(32, $0)) } ?? 32
        Console.printTerminalPicture(TerminalImageRenderer.render(decoded.image, as: proto, maxColumns: min(Console.columns, 64), maxRows: maxRows))
    }
}
