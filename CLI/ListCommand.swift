import ArgumentParser
import Darkroom
import Foundation

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List generations, newest first.",
        discussion: """
            SEARCH words are matched in prompts, negative prompts, tags and album names (all must match;
            end a word with * to match a prefix; "words in quotes" match as a phrase; -word leaves out
            what holds the word). Field terms narrow further: seed:42 steps>4 rating>=3 model:NAME
            tag:NAME album:"Best of" scheduler:ddim status:failed (values in any case). The search may
            also be given with --search TEXT, as `prompts --search` takes it.

            Items an active safety flag hides are left out, and a line on stderr says how many
            ("N hidden by the safety policy"); --include-flagged shows them.

            Examples:
              darkroom list --limit 20
              darkroom list red circle --favorites
              darkroom list fox -snow
              darkroom list 'album:"Best of" scheduler:DDIM'
              darkroom list "seed:7 steps<=8" --json
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Words, \"phrases\", -excluded words and field terms to search for.", valueName: "search"))
    var search: [String] = []

    @Option(name: .customLong("search"), help: ArgumentHelp("The search, as one argument (the same syntax as the SEARCH words).", valueName: "text"))
    var searchOption: [String] = []

    @Flag(name: .long, help: "Only favourites.")
    var favorites = false

    @Option(help: "Only members of this album.")
    var album: String?

    @Option(help: "Only generations with this tag.")
    var tag: String?

    @Option(help: "Only this model (name, or a prefix of the model hash).")
    var model: String?

    @Option(help: "Only this seed (0 to 18446744073709551615).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Only items created since DATE (YYYY-MM-DD) or a duration ago (30m, 12h, 7d).", valueName: "when"))
    var since: String?

    @Option(help: ArgumentHelp("Only this job status: queued, running, succeeded, failed, cancelled.", valueName: "status"))
    var status: [String] = []

    @Option(help: ArgumentHelp("Only ID and everything made from it (variations, re-runs).", valueName: "id"))
    var lineage: String?

    @Option(help: "Show at most this many items.")
    var limit: Int = 50

    @Option(help: "Skip this many items first.")
    var offset: Int = 0

    @Flag(help: "List the trash instead of the gallery.")
    var trashed = false

    @Flag(name: .customLong("include-flagged"), help: "Also list items hidden by a safety flag.")
    var includeFlagged = false

    @Flag(help: "Only items hidden by a safety flag.")
    var flagged = false

    @Flag(help: "Print a JSON array (schema in docs/cli.md).")
    var json = false

    @Flag(help: ArgumentHelp("Keep running and print the page again whenever it changes, until Ctrl-C.",
                             discussion: """
                                Changes made by any process are seen (another darkroom command, a sync run, an app on the \
                                same library), those of other processes within a quarter of a second. With --json, each \
                                page is one line: {"items": [...], "hidden": N}.
                                """))
    var follow = false

    /// Every option `list` takes, for "did you mean" on a mistyped one.
    static let optionNames = ["--favorites", "--album", "--tag", "--model", "--seed", "--since", "--status", "--lineage",
                              "--limit", "--offset", "--trashed", "--include-flagged", "--flagged", "--json", "--follow", "--search", "--library"]

    func validate() throws {
        // Words starting with '-' are exclusions (`-snow`); one starting with '--' is a mistyped option.
        if let option = search.prefix(while: { $0 != "--" }).first(where: { $0.hasPrefix("--") }) {
            let name = String(option.prefix { $0 != "=" })
            let hint = NameSuggestion.closest(to: name, among: Self.optionNames)
            throw ValidationError("Unknown option '\(name)'." + (hint.isEmpty ? "" : " Did you mean '\(hint[0])'?"))
        }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more.") }
        guard offset >= 0 else { throw ValidationError("--offset must be 0 or more.") }
        for s in status where GenerationRecord.Status(rawValue: s) == nil {
            throw ValidationError("Unknown status '\(s)': use queued, running, succeeded, failed or cancelled.")
        }
        if let since, DateArgument.parse(since) == nil {
            throw ValidationError("--since takes a date (2026-11-01) or a duration ago (30m, 12h, 7d); got '\(since)'.")
        }
    }

    func run() async throws {
        let library = try await global.open()
        var query: GalleryQuery
        do {
            let words = search.filter { $0 != "--" } + searchOption
            query = try GalleryQuery.checkedParse(search: words.joined(separator: " "))
        } catch let error as SearchTermError {
            throw CLIFailure(code: .usage, message: "error: \(ListCommand.words(for: error))")
        }
        query.favoritesOnly = favorites
        if let album { query.album = album }
        if let tag { query.tag = tag }
        if let model { query.model = model }
        if let seed { query.seed = GalleryQuery.storedSeed(seed) }
        if let since { query.since = DateArgument.parse(since) }
        query.statuses += status.compactMap(GenerationRecord.Status.init(rawValue:))
        query.trashed = trashed
        query.includeFlagged = includeFlagged
        query.flaggedOnly = flagged
        query.limit = limit + 1  // one more than shown tells whether there is a next page, without counting
        query.offset = offset
        if let lineage { query.lineageRoot = try await library.resolveIDs([lineage])[0] }
        if follow { return try await followPage(query, in: library) }
        var items = try await library.items(query)
        let more = items.count > limit
        if more { items.removeLast() }
        let hidden = try await library.hiddenCount(query)
        try Console.printItems(items, library: library, json: json, empty: emptyNote,
                               hidden: hidden)
        if more && !json {
            Console.note("More items follow: use --offset \(offset + items.count) (or `darkroom stats` for counts).")
        }
    }
}

extension ListCommand {
    /// What an empty page says.
    var emptyNote: String { trashed ? "The trash is empty." : "Nothing matches." }

    /// `--follow`: prints the page at once and after every change, until interrupted.
    func followPage(_ query: GalleryQuery, in library: Library) async throws {
        var shown = query
        shown.limit = limit
        for try await items in library.observe(shown) {
            let hidden = try await library.hiddenCount(shown)
            if json {
                try Console.printJSONLine(FollowedPage(items: items.map { GalleryItemJSON($0, folder: library.folder) }, hidden: hidden))
            } else {
                Console.note("\(Console.shortDate(Date())): \(items.count) item(s)")
                try Console.printItems(items, library: library, json: false, empty: emptyNote,
                                       hidden: hidden)
            }
            fflush(nil)
        }
    }

    /// One line of `list --follow --json`.
    struct FollowedPage: Encodable {
        var items: [GalleryItemJSON]
        var hidden: Int
    }

    /// A search the store could not read, in words, with "did you mean" for a mistyped field.
    static func words(for error: SearchTermError) -> String {
        guard case let .unknownField(_, field, known) = error, let hint = NameSuggestion.closest(to: field, among: known).first else {
            return "\(error)"
        }
        return "\(error) Did you mean '\(hint):'?"
    }
}

/// Parses `--since` values: a date (`2026-11-01`, ISO 8601) or a duration ago (`30m`, `12h`, `7d`, `2w`).
enum DateArgument {
    static func parse(_ text: String, now: Date = Date()) -> Date? {
        if let unit = text.last, let amount = Double(text.dropLast()), amount >= 0 {
            let seconds: Double? = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800][unit]
            if let seconds { return now.addingTimeInterval(-amount * seconds) }
        }
        let day = DateFormatter()
        day.dateFormat = "yyyy-MM-dd"
        day.timeZone = TimeZone.current
        if let date = day.date(from: text) { return date }
        return ISO8601DateFormatter().date(from: text)
    }
}
