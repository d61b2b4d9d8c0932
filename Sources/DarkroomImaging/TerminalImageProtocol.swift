/// How a picture can be shown in the terminal the CLI writes to.
public enum TerminalImageProtocol: String, CaseIterable, Sendable {
    /// kitty graphics protocol (kitty, Ghostty, WezTerm).
    case kitty
    /// iTerm2 inline images, OSC 1337 (iTerm2, WezTerm, mintty).
    case iterm
    /// DEC sixel graphics (xterm with sixel, foot, mlterm, contour…).
    case sixel
    /// Unicode upper half blocks with 24-bit colours: works in any truecolor terminal.
    case blocks
    /// No picture (output is not a terminal).
    case none

    /// Picks the best protocol for a terminal described by its environment.
    ///
    /// In order: not a TTY (or `TERM=dumb`) → `none`; `KITTY_WINDOW_ID`,
    /// `TERM=xterm-kitty`, Ghostty → `kitty`; `TERM_PROGRAM` `iTerm.app`,
    /// `WezTerm` or `mintty`, or `ITERM_SESSION_ID` → `iterm`; `TERM` naming a
    /// sixel terminal (foot, mlterm, contour, yaft, or containing `sixel`) or
    /// `DARKROOM_SIXEL=1` → `sixel`; anything else → `blocks`.
    public static func detect(environment: [String: String], isTTY: Bool) -> TerminalImageProtocol {
        let term = environment["TERM"] ?? ""
        let program = environment["TERM_PROGRAM"] ?? ""
        guard isTTY, term != "dumb" else { return .none }
        if !(environment["KITTY_WINDOW_ID"] ?? "").isEmpty || term == "xterm-kitty" || term == "xterm-ghostty"
            || program.lowercased() == "ghostty" {
            return .kitty
        }
        if program == "iTerm.app" || program == "WezTerm" || program == "mintty"
            || !(environment["ITERM_SESSION_ID"] ?? "").isEmpty {
            return .iterm
        }
        let sixelTerms = ["foot", "mlterm", "contour", "yaft", "sixel"]
        if environment["DARKROOM_SIXEL"] == "1" || sixelTerms.contains(where: { term.contains($0) }) {
            return .sixel
        }
        return .blocks
    }
}
