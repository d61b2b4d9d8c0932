import Darkroom
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

    /// The terminal's height in rows, or nil when stdout is not a terminal (and `LINES` does not say).
    static var rows: Int? {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
        if let env = ProcessInfo.processInfo.environment["LINES"], let n = Int(env), n > 0 { return n }
        return nil
    }

    /// True when stdin is a terminal a person can answer questions on.
    static var stdinIsTTY: Bool { isatty(STDIN_FILENO) == 1 }

    /// Asks `question` on stderr and reads a yes or no from the terminal: true for `y`/`yes`, false for
    /// anything else (Enter, end of input).
    static func confirm(_ question: String) -> Bool {
        FileHandle.standardError.write(Data((TerminalText.sanitize(question) + " [y/N] ").utf8))
        guard let answer = readLine(strippingNewline: true) else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// Whether a destructive step may go ahead: at once with `yes` or when stdin is not a terminal (a script
    /// or a pipe, which cannot answer), else when the person answers `question` with yes.
    static func confirmed(_ question: String, yes: Bool) -> Bool {
        yes || !stdinIsTTY || confirm(question)
    }

    /// The line every view that leaves out flagged items prints: `N hidden by the safety policy (see `darkroom flags`)`.
    static func hiddenNote(_ count: Int) -> String {
        "\(count) hidden by the safety policy (see `darkroom flags`)."
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
        if report.purgedGenerations > 0 {
            let days = report.trashRetentionDays.rounded() == report.trashRetentionDays ? "\(Int(report.trashRetentionDays))" : "\(report.trashRetentionDays)"
            note("Purged \(report.purgedGenerations) item(s) trashed more than \(days) days ago (setting trash.retention_days).")
        }
    }

    /// Prints `value` as JSON on stdout. The encoder escapes C0 controls; DEL and C1 controls, which JSON
    /// may carry raw, are escaped too (`\u007f`, `\u009b`), so the text stays exact and inert on a terminal.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let data = try GalleryItemJSON.encoder().encode(value)
        FileHandle.standardOutput.write(escapingRawControls(data) + Data("\n".utf8))
    }

    /// Prints `value` as JSON on one line (for streams of JSON objects, one per line).
    static func printJSONLine<T: Encodable>(_ value: T) throws {
        let data = try GalleryItemJSON.encoder(pretty: false).encode(value)
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

    /// Renders rows as aligned columns that fit the terminal's width: when they are too wide, the columns in
    /// `dropOrder` are left out one by one while the last column would get fewer than `minimumLast`
    /// columns, then the last column is cut (with `…`). Each cell stays on one line (line feeds and tabs
    /// become spaces, other control characters visible escapes). Widths count terminal columns, so wide
    /// characters (CJK, emoji) line up.
    static func table(_ header: [String], _ rawRows: [[String]], dropOrder: [Int] = [], minimumLast: Int = 20,
                      width available: Int = columns) -> String {
        guard !header.isEmpty else { return "" }
        var kept = Array(header.indices)
        let rows = rawRows.map { $0.map { TerminalText.sanitize($0, lineBreaks: .asSpaces) } }
        var widths = header.map(TerminalWidth.of)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], TerminalWidth.of(cell)) } }
        func fixed() -> Int { kept.dropLast().reduce(0) { $0 + widths[$1] } + 2 * (kept.count - 1) }
        for column in dropOrder where available - fixed() < min(minimumLast, widths[header.count - 1]) && kept.count > 1 {
            kept.removeAll { $0 == column }
        }
        let last = header.count - 1
        widths[last] = max(1, min(widths[last], available - fixed()))
        func render(_ cells: [String]) -> String {
            kept.map { i in
                let cell = i < cells.count ? cells[i] : ""
                let cut = TerminalWidth.truncate(cell, to: widths[i])
                // Padding in plain Swift: Foundation's `padding(toLength:…)` bridges to NSString on Linux,
                // which cost about a millisecond for a 50-row page.
                return i == last ? cut : TerminalWidth.pad(cut, to: widths[i])
            }.joined(separator: "  ")
        }
        return ([render(header)] + rows.map(render)).joined(separator: "\n")
    }

    /// A short local date-time for tables.
    static func shortDate(_ date: Date) -> String { TimestampFormat.shortLocal(date) }

    /// Prints items as JSON (``GalleryItemJSON``) or as a table, or `empty` on stderr when there are none;
    /// then, on stderr, how many more the safety policy hides (``hiddenNote(_:)``), so stdout's JSON array
    /// stays as it always was.
    static func printItems(_ items: [GalleryItem], library: Library, json: Bool, empty: String, hidden: Int = 0) throws {
        if json {
            try printJSON(items.map { GalleryItemJSON($0, folder: library.folder) })
        } else if items.isEmpty {
            note(empty)
        } else {
            let (header, rows) = itemRows(items)
            print(table(header, rows, dropOrder: itemColumnsDropOrder))
        }
        if hidden > 0 { note(hiddenNote(hidden)) }
    }

    /// The item columns left out first when a terminal is narrow: size, marks, status.
    static let itemColumnsDropOrder = [4, 2, 1]

    /// One line per item for tables: short id, status, marks (favourite, rating), seed, size, created, prompt.
    static func itemRows(_ items: [GalleryItem]) -> (header: [String], rows: [[String]]) {
        let header = ["ID", "STATUS", "MARKS", "SEED", "SIZE", "CREATED", "PROMPT"]
        let rows = items.map { item -> [String] in
            let g = item.generation
            let size = g.width.flatMap { w in g.height.map { "\(w)x\($0)" } } ?? "-"
            var prompt = g.prompt.isEmpty ? "(no prompt)" : g.prompt
            if !item.tags.isEmpty { prompt += "  #" + item.tags.joined(separator: " #") }
            if item.isFlagged { prompt = "[flagged] " + prompt }
            let marks = (g.favorite ? "★" : "") + (g.rating > 0 ? String(repeating: "*", count: g.rating) : "")
            return [String(g.id.prefix(8)), g.status.rawValue, marks, g.unsignedSeed.map(String.init) ?? "-", size,
                    shortDate(g.createdAt), prompt]
        }
        return (header, rows)
    }
}

/// A name with a count, for `tag list --json` and `album list --json`.
struct NameCount: Encodable {
    var name: String
    var count: Int
}
