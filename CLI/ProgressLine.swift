import Darkroom
import Foundation

/// The progress display of generation on stderr.
///
/// On a terminal (`.bar`): a spinner while the model loads and the prompt is encoded, then a bar (picture
/// `2/4` of a batch, step, it/s, ETA) redrawn in place and, where the terminal can show pictures, a small
/// live preview above it from the first step (the engine's latent preview: no decoder run), replaced by
/// the finished picture, which stays. Ctrl-C is announced in the bar's line and the bar and preview are
/// erased, so nothing is left half drawn. With `--progress json` (`.json`) the same events are JSON
/// lines; otherwise nothing.
final class ProgressLine: @unchecked Sendable {
    private let style: ProgressStyle
    private let previewProtocol: TerminalImageProtocol
    private let phases: ProgressReporter
    private var started = Date()
    private let created = Date()
    private var id = ""
    private var picture = 1, pictures = 1
    private var previewRows = 0
    private var lastPreview = Date.distantPast
    private var lastLine = Date.distantPast
    private var barDrawn = false
    private let lock = NSLock()
    /// Terminal rows the preview takes (16 pixel rows in half blocks).
    static let previewHeight = 8

    /// A display; `preview` false (or `--no-preview`, or `DARKROOM_PREVIEW=0`) draws no picture.
    init(style: ProgressStyle, preview: Bool = true) {
        self.style = style
        let env = ProcessInfo.processInfo.environment
        let wanted = style == .bar && preview && env["DARKROOM_PREVIEW"] != "0"
        previewProtocol = wanted ? TerminalImageProtocol.detect(environment: env, isTTY: Console.stderrIsTTY) : .none
        phases = ProgressReporter(task: "generate", unit: "steps", style: style)
    }

    /// The next job is picture `index` (1-based) of `count`.
    func beginPicture(_ index: Int, of count: Int) {
        lock.lock(); defer { lock.unlock() }
        picture = index
        pictures = count
    }

    /// Before the first job: the model is loading.
    func loadingModel(_ name: String) {
        phases.begin(phase: "loading model \(name)")
    }

    /// The model is loaded.
    func modelLoaded() {
        phases.clear()
    }

    /// Shows a generation event.
    func report(_ event: GenerationProgress) {
        switch event {
        case .started(let id):
            lock.lock()
            self.id = String(id.prefix(8))
            started = Date()
            let label = pictures > 1 ? "\(picture)/\(pictures) \(self.id) encoding prompt" : "\(self.id) encoding prompt"
            lock.unlock()
            if style == .json {
                ProgressReporter.writeJSONLine(ProgressEvent(task: "generate", event: "phase", phase: "encoding prompt",
                                                             elapsed_s: 0, picture: picture, pictures: pictures, id: id.rawValue))
            } else {
                phases.begin(phase: label)
            }
        case .step(let id, let step, let total, let preview):
            phases.clear()
            update(id: id, step: step, total: total, preview: preview)
        case .finished:
            break
        }
    }

    private func update(id: GenerationID, step: Int, total: Int, preview: PixelImage?) {
        lock.lock(); defer { lock.unlock() }
        guard style != .silent, total > 0 else { return }
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(step) / elapsed : 0
        let eta = rate > 0 ? Double(total - step) / rate : 0
        if style == .json {
            guard step == total || step == 1 || Date().timeIntervalSince(lastLine) >= 0.1 else { return }
            lastLine = Date()
            ProgressReporter.writeJSONLine(ProgressEvent(
                task: "generate", event: "progress", phase: "denoising", done: step, total: total, unit: "steps",
                rate: ProgressReporter.rounded(rate), eta_s: ProgressReporter.rounded(eta), elapsed_s: ProgressReporter.rounded(elapsed),
                picture: picture, pictures: pictures, id: id.rawValue))
            return
        }
        var out = ""
        // At most four previews a second, and always the first and the last step's.
        if let preview, previewProtocol != .none, step == 1 || step == total || Date().timeIntervalSince(lastPreview) > 0.25 {
            lastPreview = Date()
            out += drawPicture(preview)
        }
        let batch = pictures > 1 ? "\(picture)/\(pictures) " : ""
        out += String(format: "\r%@%@ %@ %d/%d  %.1f it/s  ETA %@ \u{1B}[K", batch, self.id, ProgressReporter.bar(done: step, total: total),
                      step, total, rate, ProgressReporter.duration(eta))
        barDrawn = true
        FileHandle.standardError.write(Data(out.utf8))
    }

    /// The preview area redrawn with `image` (cursor left on the bar's line). Under the lock.
    private func drawPicture(_ image: PixelImage) -> String {
        var out = previewRows > 0 ? "\r\u{1B}[\(previewRows)A" : "\r"
        let rendered = TerminalImageRenderer.render(image, as: previewProtocol, maxColumns: 2 * Self.previewHeight,
                                                    maxRows: Self.previewHeight)
        out += rendered.hasSuffix("\n") ? rendered : rendered + "\n"
        previewRows = Self.previewHeight
        return out
    }

    /// The job finished: its picture replaces the preview and stays on screen (terminals that show
    /// pictures); the bar is cleared. JSON: a `picture` line with the id and file.
    func finished(_ item: GalleryItem, pixels: PixelImage?, path: String?) {
        lock.lock(); defer { lock.unlock() }
        switch style {
        case .silent: return
        case .json:
            ProgressReporter.writeJSONLine(ProgressEvent(task: "generate", event: "picture", done: picture, total: pictures,
                                                         unit: "pictures", elapsed_s: ProgressReporter.rounded(Date().timeIntervalSince(started)),
                                                         picture: picture, pictures: pictures, id: item.id.rawValue, path: path))
        case .bar:
            var out = ""
            if let pixels, previewProtocol != .none { out += drawPicture(pixels) }
            out += "\r\u{1B}[K"
            previewRows = 0   // the finished picture stays
            barDrawn = false
            FileHandle.standardError.write(Data(out.utf8))
        }
    }

    /// Ctrl-C was pressed: said in the bar's line (a line of its own when there is no bar).
    func cancelling() {
        lock.lock(); defer { lock.unlock() }
        let message = "Cancelling after the current step (Ctrl-C again to quit now)…"
        switch style {
        case .bar: FileHandle.standardError.write(Data("\r\(message)\u{1B}[K".utf8)); barDrawn = true
        case .json: ProgressReporter.writeJSONLine(ProgressEvent(task: "generate", event: "phase", phase: "cancelling", elapsed_s: 0, id: id))
        case .silent: FileHandle.standardError.write(Data("\n\(message)\n".utf8))
        }
    }

    /// The whole command ended: a `done` JSON line with the pictures made.
    func done(pictures made: Int) {
        finish()
        guard style == .json else { return }
        lock.lock(); defer { lock.unlock() }
        ProgressReporter.writeJSONLine(ProgressEvent(task: "generate", event: "done", done: made, total: pictures, unit: "pictures",
                                                     elapsed_s: ProgressReporter.rounded(Date().timeIntervalSince(created))))
    }

    /// Erases what is still drawn: the bar, and a preview no finished picture replaced.
    func finish() {
        phases.clear()
        lock.lock(); defer { lock.unlock() }
        guard style == .bar, barDrawn || previewRows > 0 else { return }
        var out = "\r\u{1B}[K"
        if previewRows > 0 { out += "\u{1B}[\(previewRows)A\u{1B}[J" }
        previewRows = 0
        barDrawn = false
        FileHandle.standardError.write(Data(out.utf8))
    }
}

/// Ctrl-C handling while a job runs: the first cancels cleanly between steps, a second exits at once (130)
/// after `onSecond` (which erases the display).
final class InterruptHandler: @unchecked Sendable {
    private let source: DispatchSourceSignal
    private var count = 0

    init(onFirst: @escaping @Sendable () -> Void, onSecond: @escaping @Sendable () -> Void = {}) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            count += 1
            if count == 1 {
                onFirst()
            } else {
                onSecond()
                DarkroomMain.leave(130)
            }
        }
        source.resume()
    }

    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
