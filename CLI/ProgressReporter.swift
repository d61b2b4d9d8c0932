import ArgumentParser
import Darkroom
import Foundation

/// How a command shows its progress on stderr (`--progress`).
enum ProgressMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A bar on a terminal, nothing otherwise.
    case auto
    /// One JSON object per line, for scripts (docs/cli.md, "Progress").
    case json
    /// Nothing.
    case none
}

/// The `--progress` option of the commands that report progress.
struct ProgressOptions: ParsableArguments {
    @Option(help: ArgumentHelp("auto (a bar on stderr when it is a terminal), json (one JSON object per line on stderr) or none.",
                               valueName: "mode"))
    var progress: ProgressMode = .auto

    /// What this run draws: a bar only on a terminal.
    var style: ProgressStyle {
        switch progress {
        case .auto: return Console.stderrIsTTY ? .bar : .silent
        case .json: return .json
        case .none: return .silent
        }
    }
}

/// What a progress display writes.
enum ProgressStyle: Sendable, Equatable {
    /// A line redrawn in place on the terminal.
    case bar
    /// JSON lines.
    case json
    /// Nothing.
    case silent
}

/// One progress line of `--progress json`: fields that do not apply are left out.
struct ProgressEvent: Encodable {
    /// `generate` (also for `queue run`), `import`, `export`, `doctor`.
    var task: String
    /// `phase` (a stage began), `progress` (a count moved), `picture` (a generation was stored), `done` (the task ended).
    var event: String
    /// The stage: `loading model`, `encoding prompt`, `denoising`, `checking`, …
    var phase: String?
    var done: Int?
    var total: Int?
    /// What `done` counts: `files`, `pictures`, `steps`.
    var unit: String?
    /// Per second, over the elapsed time.
    var rate: Double?
    var eta_s: Double?
    var elapsed_s: Double
    /// In a batch: which picture (1-based) of how many.
    var picture: Int?
    var pictures: Int?
    /// The generation the event is about.
    var id: String?
    /// The file just handled.
    var path: String?
    /// Bytes moved so far (sync: pictures' ciphertext).
    var bytes: Int64?
}

/// Progress of one long task on stderr: a bar (count, rate, ETA) or a spinner with the elapsed time on a
/// terminal, JSON lines with `--progress json`, nothing otherwise. Bars and JSON lines are drawn at most
/// ten times a second, plus the first and the last.
final class ProgressReporter: @unchecked Sendable {
    let style: ProgressStyle
    let task: String
    let unit: String
    private let lock = NSLock()
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var phase: String?
    private var spinner: DispatchSourceTimer?
    private var spins = 0
    private var drawn = false

    init(task: String, unit: String, style: ProgressStyle) {
        self.task = task
        self.unit = unit
        self.style = style
    }

    private var elapsed: Double { Date().timeIntervalSince(started) }

    /// A stage without a count began: a spinner with the elapsed time on a terminal, one JSON line.
    func begin(phase name: String) {
        lock.lock(); defer { lock.unlock() }
        phase = name
        stopSpinner()
        switch style {
        case .silent: return
        case .json: emit(ProgressEvent(task: task, event: "phase", phase: name, elapsed_s: Self.rounded(elapsed)))
        case .bar:
            let phaseStart = Date()
            drawSpinner(name, since: phaseStart)
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.schedule(deadline: .now() + 0.2, repeating: 0.2)
            timer.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock(); defer { self.lock.unlock() }
                if self.spinner != nil { self.drawSpinner(name, since: phaseStart) }
            }
            spinner = timer
            timer.resume()
        }
    }

    /// `done` of `total` (nil when unknown) are finished; `path` names the last one.
    func update(done: Int, total: Int?, path: String? = nil, bytes: Int64? = nil) {
        lock.lock(); defer { lock.unlock() }
        stopSpinner()
        let now = Date()
        guard style != .silent, done == total || done <= 1 || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let seconds = elapsed
        let rate = seconds > 0 ? Double(done) / seconds : nil
        let eta = total.flatMap { total in rate.flatMap { $0 > 0 ? Double(total - done) / $0 : nil } }
        switch style {
        case .silent: return
        case .json:
            emit(ProgressEvent(task: task, event: "progress", phase: phase, done: done, total: total, unit: unit,
                               rate: rate.map(Self.rounded), eta_s: eta.map(Self.rounded), elapsed_s: Self.rounded(seconds), path: path,
                               bytes: bytes))
        case .bar:
            var line = "\(phase.map { "\($0) " } ?? "")"
            if let total { line += Self.bar(done: done, total: total) + " \(done)/\(total) \(unit)" } else { line += "\(done) \(unit)" }
            if let rate { line += String(format: "  %.1f %@/s", rate, unit) }
            if let bytes { line += "  " + ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file) }
            if let eta { line += "  ETA " + Self.duration(eta) }
            draw(line)
        }
    }

    /// The current stage's spinner stops and its line is cleared; nothing is written in JSON.
    func clear() {
        lock.lock(); defer { lock.unlock() }
        stopSpinner()
        if style == .bar, drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); drawn = false }
    }

    /// The task ended: the bar is cleared (the command prints its own summary), one `done` JSON line.
    func finish(done: Int? = nil, total: Int? = nil) {
        lock.lock(); defer { lock.unlock() }
        stopSpinner()
        switch style {
        case .silent: return
        case .json: emit(ProgressEvent(task: task, event: "done", done: done, total: total, unit: unit, elapsed_s: Self.rounded(elapsed)))
        case .bar: if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); drawn = false }
        }
    }

    // MARK: - Drawing (under the lock)

    private func drawSpinner(_ name: String, since start: Date) {
        let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
        spins += 1
        draw("\(frames[spins % frames.count]) \(name)… \(Self.duration(Date().timeIntervalSince(start)))")
    }

    private func draw(_ line: String) {
        let width = max(Console.stderrColumns - 1, 20)
        let shown = line.count > width ? String(line.prefix(width)) : line
        FileHandle.standardError.write(Data("\r\(shown)\u{1B}[K".utf8))
        drawn = true
    }

    private func stopSpinner() {
        spinner?.cancel()
        spinner = nil
    }

    private func emit(_ event: ProgressEvent) {
        ProgressReporter.writeJSONLine(event)
    }

    /// Writes one JSON object and a line feed to stderr.
    static func writeJSONLine(_ event: ProgressEvent) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(event) else { return }
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }

    /// `████░░░░` for `done` of `total`, 24 cells.
    static func bar(done: Int, total: Int, width: Int = 24) -> String {
        let filled = total > 0 ? min(width, width * done / total) : 0
        return String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    }

    /// `0.4s`, `12s`, `3m05s`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.1fs", seconds) }
        if seconds < 60 { return "\(Int(seconds))s" }
        return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

extension Console {
    /// The width of the terminal stderr is (80 when it does not say).
    static var stderrColumns: Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
