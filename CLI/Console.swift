import Darkroom
import DarkroomStore
import Foundation

/// Writing to the terminal: notes on stderr, tables and JSON on stdout.
enum Console {
    /// True when stdout is a terminal.
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }
    /// True when stderr is a terminal.
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    /// The terminal's width in columns (80 on a terminal that does not say; unlimited when stdout is not a terminal).
    static var columns: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let env = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(env), n > 0 { return n }
        return stdoutIsTTY ? 80 : 100_000
    }

    /// A line on stdout.
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// A note for the person on stderr (never mixed into stdout, which scripts read).
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Says on stderr what the open-time recovery repaired, if anything.
    static func noteRecovery(_ report: RecoveryReport) {
        if !report.interruptedJobs.isEmpty {
            note("Marked \(report.interruptedJobs.count) interrupted job(s) as failed: \(report.interruptedJobs.map { String($0.prefix(8)) }.joined(separator: ", "))")
        }
        let pictures = report.removedFiles.filter { !$0.hasPrefix("tmp/") }
        if !pictures.isEmpty { note("Removed \(pictures.count) uncommitted file(s) left by an interrupted write.") }
        if report.purgedGenerations > 0 { note("Purged \(report.purgedGenerations) item(s) trashed more than 30 days ago.") }
    }

    /// Prints `value` as JSON on stdout.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let data = try GalleryItemJSON.encoder().encode(value)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// Renders rows as aligned columns; the last column is cut to fit the terminal.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        guard !header.isEmpty else { return "" }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        let fixed = widths.dropLast().reduce(0, +) + 2 * (widths.count - 1)
        widths[widths.count - 1] = max(10, min(widths[widths.count - 1], columns - fixed))
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let width = widths[i]
                let cut = cell.count > width ? String(cell.prefix(max(0, width - 1))) + "…" : cell
                // Padding in plain Swift: Foundation's `padding(toLength:…)` bridges to NSString on Linux,
                // which cost about a millisecond for a 50-row page.
                return i == cells.count - 1 ? cut : cut + String(repeating: " ", count: max(0, width - cut.count))
            }.joined(separator: "  ")
        }
        return ([render(header)] + rows.map(render)).joined(separator: "\n")
    }

    /// A short local date-time for tables.
    static func shortDate(_ date: Date) -> String { TimestampFormat.shortLocal(date) }

    /// Prints items as JSON (``GalleryItemJSON``) or as a table, or `empty` on stderr when there are none.
    static func printItems(_ items: [GalleryItem], library: Library, json: Bool, empty: String) throws {
        if json { try printJSON(items.map { GalleryItemJSON($0, folder: library.folder) }); return }
        if items.isEmpty { note(empty); return }
        let (header, rows) = itemRows(items)
        print(table(header, rows))
    }

    /// One line per item for tables: short id, status, marks, seed, size, created, prompt.
    static func itemRows(_ items: [GalleryItem]) -> (header: [String], rows: [[String]]) {
        let header = ["ID", "STATUS", "FAV", "RATING", "SEED", "SIZE", "CREATED", "PROMPT"]
        let rows = items.map { item -> [String] in
            let g = item.generation
            let size = g.width.flatMap { w in g.height.map { "\(w)x\($0)" } } ?? "-"
            var prompt = g.prompt.isEmpty ? "(no prompt)" : String(g.prompt.map { $0.isNewline ? " " : $0 })
            if !item.tags.isEmpty { prompt += "  #" + item.tags.joined(separator: " #") }
            if item.isFlagged { prompt = "[flagged] " + prompt }
            return [String(g.id.prefix(8)), g.status.rawValue, g.favorite ? "★" : "", g.rating > 0 ? String(repeating: "*", count: g.rating) : "",
                    g.seed.map(String.init) ?? "-", size, shortDate(g.createdAt), prompt]
        }
        return (header, rows)
    }
}

/// A name with a count, for `tag list --json` and `album list --json`.
struct NameCount: Encodable {
    var name: String
    var count: Int
}
