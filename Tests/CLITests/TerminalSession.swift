import Foundation

/// Runs `darkroom` on a pseudo-terminal of a given size (util-linux `script`), as a person at a terminal
/// would: stdout, stderr and stdin are the terminal, so size detection, pictures and questions behave as
/// they do for people. What the terminal showed comes back with escape sequences and CRs removed.
struct TerminalSession {
    var columns = 80
    var rows = 24

    /// True when `script` is there to make the terminal.
    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/script") }

    /// The run's exit code and the lines the terminal showed (without escape sequences).
    struct Screen {
        var code: Int32
        var lines: [String]
        var raw: String
    }

    /// Runs `darkroom ARGS --library LIBRARY` in the terminal, typing `input` into it; `library`
    /// replaces the harness's library, `environment` adds variables.
    func run(_ cli: CLIHarness, _ arguments: [String], input: String = "", library: String? = nil,
             environment extra: [String: String] = [:]) throws -> Screen {
        let quoted = ([CLIHarness.executable.path] + arguments + ["--library", library ?? cli.library.path])
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "stty cols \(columns) rows \(rows) 2>/dev/null; exec \(quoted)", "/dev/null"]
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = nil
        environment["LINES"] = nil
        environment["DARKROOM_LIBRARY"] = nil
        environment["TERM"] = "xterm-256color"
        process.environment = environment.merging(extra) { $1 }
        process.currentDirectoryURL = cli.scratch
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The answer goes in once the question is up; `script` passes it on to the terminal.
        stdin.fileHandleForWriting.write(Data(input.utf8))
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        let raw = String(decoding: data, as: UTF8.self)
        return Screen(code: process.terminationStatus, lines: Self.visibleLines(raw), raw: raw)
    }

    /// The text lines of terminal output: CSI sequences removed, CR LF as one line break, the last empty line dropped.
    static func visibleLines(_ output: String) -> [String] {
        let plain = output.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
            .replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "")
        var lines = plain.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Terminal columns a line takes: CJK and emoji two, combining marks none, the rest one.
    static func width(_ line: String) -> Int {
        line.reduce(0) { total, character in
            guard let scalar = character.unicodeScalars.first else { return total }
            if scalar.properties.generalCategory == .nonspacingMark { return total }
            let wide = (0x1100...0x115F).contains(scalar.value) || (0x2E80...0xA4CF).contains(scalar.value)
                || (0xAC00...0xD7A3).contains(scalar.value) || (0xF900...0xFAFF).contains(scalar.value)
                || (0xFF00...0xFF60).contains(scalar.value) || (0x1F300...0x1F64F).contains(scalar.value)
                || (0x1F900...0x1F9FF).contains(scalar.value) || (0x20000...0x3FFFD).contains(scalar.value)
            return total + (wide ? 2 : 1)
        }
    }
}
