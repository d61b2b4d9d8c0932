import Darkroom
import DarkroomImaging
import DarkroomStore
import Foundation

/// Writing to the terminal: notes on stderr, tables and JSON on stdout.
///
/// Every line, note and table cell goes through ``TerminalText/sanitize(_:lineBreaks:)``, so text from a
/// prompt, a tag or an imported file cannot drive the terminal (ESC, CSI, OSC, C1, CR). Only
/// ``printTerminalPicture(_:)`` writes escape sequences, which it makes itself; JSON keeps the exact text.
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

    /// A line on stdout (control characters made visible; line feeds and tabs kept).
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((TerminalText.sanitize(line) + "\n").utf8))
    }

    /// A note for the person on stderr (never mixed into stdout, which scripts read), sanitised as ``print(_:)``.
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((TerminalText.sanitize(line) + "\n").utf8))
    }

    /// A picture drawn by `TerminalImageRenderer`, whose escape sequences are written as they are.
    static func printTerminalPicture(_ rendered: String) {
        FileHandle.standardOutput.write(Data((rendered + "\n").utf8))
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

    /// Prints `value` as JSON on stdout. The encoder escapes C0 controls; DEL and C1 controls, which JSON
    /// may carry raw, are escaped too (`\u007f`, `\u009b`), so the text stays exact and inert on a terminal.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let data = try GalleryItemJSON.encoder().encode(value)
        FileHandle.standardOutput.write(escapingRawControls(data) + Data("\n".utf8))
    }

    /// JSON text with DEL (`7F`) and C1 controls (UTF-8 `C2 80`–`C2 9F`) written as `\u` escapes. Outside
    /// strings JSON holds only ASCII punctuation, digits and letters, so these bytes are always inside a string.
    static func escapingRawControls(_ json: Data) -> Data {
        guard json.contains(0x7F) || json.contains(0xC2) else { return json }
        var out = Data(capacity: json.count)
        var index = json.startIndex
        func escape(_ value: UInt8) { out.append(contentsOf: Array("\\u00\(String(value, radix: 16))".utf8)) }
        while index < json.endIndex {
            let byte = json[index]
            let next = json.index(after: index)
            if byte == 0x7F {
                escape(byte)
            } else if byte == 0xC2, next < json.endIndex, (0x80...0x9F).contains(json[next]) {
                escape(json[next])
                index = json.index(after: next)
                continue
            } else {
                out.append(byte)
            }
            index = next
        }
        return out
    }

    /// Renders rows as aligned columns; the last column is cut to fit the terminal. Each cell stays on one
    /// line (line feeds and tabs become spaces, other control characters visible escapes).
    static func table(_ header: [String], _ rawRows: [[String]]) -> String {
        guard !header.isEmpty else { return "" }
        let rows = rawRows.map { $0.map { TerminalText.sanitize($0, lineBreaks: .asSpaces) } }
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
            var prompt = g.prompt.isEmpty ? "(no prompt)" : g.prompt
            if !item.tags.isEmpty { prompt += "  #" + item.tags.joined(separator: " #") }
            if item.isFlagged { prompt = "[flagged] " + prompt }
            return [String(g.id.prefix(8)), g.status.rawValue, g.favorite ? "★" : "", g.rating > 0 ? String(repeating: "*", count: g.rating) : "",
                    g.unsignedSeed.map(String.init) ?? "-", size, shortDate(g.createdAt), prompt]
        }
        return (header, rows)
    }
}

/// A name with a count, for `tag list --json` and `album list --json`.
struct NameCount: Encodable {
    var name: String
    var count: Int
}
