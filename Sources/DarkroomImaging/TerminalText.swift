/// Makes user or imported text safe to print on a terminal.
///
/// A prompt, tag, album name or note can hold bytes a terminal obeys: ESC starts
/// CSI and OSC sequences (clear the screen, set the window title, write the
/// clipboard with OSC 52), BEL ends OSC, C1 controls (U+0080–U+009F, e.g. U+009B,
/// a one-character CSI) act as ESC-sequences in some terminals, CR returns to the
/// start of the line and can overwrite what was printed. ``sanitize(_:lineBreaks:)``
/// replaces every such character with a visible escape (`\x1B`, `\x9B`,
/// `\u{202E}`), so the person sees what the text holds and the terminal obeys
/// nothing. JSON output is not sanitised this way: JSON escapes carry the exact text.
public enum TerminalText {
    /// What happens to line feeds and tabs.
    public enum LineBreaks: Sendable {
        /// Kept (a CR LF pair becomes LF): for messages and multi-line values.
        case keep
        /// Each becomes one space: for table cells, which must stay on one line.
        case asSpaces
    }

    /// `text` with every terminal control character replaced by a visible escape.
    ///
    /// Escaped: C0 controls (U+0000–U+001F, ESC and BEL among them) except line
    /// feed and tab (and the line and paragraph separators U+2028, U+2029, which
    /// become line feeds) as `lineBreaks` says, DEL (U+007F), C1 controls
    /// (U+0080–U+009F), and the bidirectional embedding, override and isolate
    /// controls (U+202A–U+202E, U+2066–U+2069) that can make text read differently
    /// from what it holds. Text without any of them is returned unchanged.
    public static func sanitize(_ text: String, lineBreaks: LineBreaks = .keep) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            let crBeforeLF = scalar == "\r" && index + 1 < scalars.count && scalars[index + 1] == "\n"
            switch scalar {
            case _ where crBeforeLF:
                continue  // CR LF is one line break, written by the LF
            case "\n", "\t":
                out.append(lineBreaks == .keep ? scalar : " ")
            case "\u{2028}", "\u{2029}":  // line and paragraph separators
                out.append(lineBreaks == .keep ? "\n" : " ")
            case _ where isControl(scalar):
                out.append(contentsOf: escape(scalar).unicodeScalars)
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Whether a terminal could act on `scalar` rather than show it (line feed and tab included).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// The visible form of a control character: `\xHH` up to U+00FF, `\u{HHHH}` above.
    private static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return scalar.value <= 0xFF ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
    }
}
