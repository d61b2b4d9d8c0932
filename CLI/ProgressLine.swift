import Darkroom
import DarkroomImaging
import Foundation

/// The progress display on stderr: a bar (step, it/s, ETA) redrawn in place and, where the
/// terminal can show pictures, a small live preview of the picture so far above it (the
/// engine's latent-space preview: no decoder run). Silent when stderr is not a terminal.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let previewProtocol: TerminalImageProtocol
    private var started = Date()
    private var id = ""
    private var previewRows = 0
    private var lastPreview = Date.distantPast
    private let lock = NSLock()
    /// Terminal rows the preview takes (16 pixel rows in half blocks).
    static let previewHeight = 8

    /// A display; `preview` false (or `--no-preview`, or `DARKROOM_PREVIEW=0`) draws the bar only.
    init(enabled: Bool, preview: Bool = true) {
        self.enabled = enabled
        let env = ProcessInfo.processInfo.environment
        let wanted = enabled && preview && env["DARKROOM_PREVIEW"] != "0"
        previewProtocol = wanted ? TerminalImageProtocol.detect(environment: env, isTTY: Console.stderrIsTTY) : .none
    }

    func start(id: String) {
        lock.lock(); defer { lock.unlock() }
        self.id = String(id.prefix(8))
        started = Date()
    }

    func update(step: Int, total: Int, preview: PixelImage? = nil) {
        lock.lock(); defer { lock.unlock() }
        guard enabled, total > 0 else { return }
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(step) / elapsed : 0
        let eta = rate > 0 ? Double(total - step) / rate : 0
        let width = 24
        let filled = width * step / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var out = ""
        // At most four previews a second, and always the last step's.
        if let preview, previewProtocol != .none, step == total || Date().timeIntervalSince(lastPreview) > 0.25 {
            lastPreview = Date()
            out += previewRows > 0 ? "\r\u{1B}[\(previewRows)A" : "\r"
            let picture = TerminalImageRenderer.render(preview, as: previewProtocol, maxColumns: 2 * Self.previewHeight,
                                                       maxRows: Self.previewHeight)
            out += picture.hasSuffix("\n") ? picture : picture + "\n"
            previewRows = Self.previewHeight
        }
        out += String(format: "\r%@ %@ %d/%d  %.1f it/s  ETA %.1fs \u{1B}[K", id, bar, step, total, rate, eta)
        FileHandle.standardError.write(Data(out.utf8))
    }

    /// Shows a generation event.
    func report(_ event: GenerationProgress) {
        switch event {
        case .started(let id): start(id: id)
        case .step(_, let step, let total, let preview): update(step: step, total: total, preview: preview)
        case .finished: break
        }
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        guard enabled else { return }
        // Clear the bar and the preview above it.
        var out = "\r\u{1B}[K"
        if previewRows > 0 { out += "\u{1B}[\(previewRows)A\u{1B}[J" }
        previewRows = 0
        FileHandle.standardError.write(Data(out.utf8))
    }
}

/// Ctrl-C handling while a job runs: the first cancels cleanly between steps, a second exits at once (130).
final class InterruptHandler: @unchecked Sendable {
    private let source: DispatchSourceSignal
    private var count = 0

    init(onFirst: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            count += 1
            if count == 1 {
                FileHandle.standardError.write(Data("\nCancelling after the current step (Ctrl-C again to quit now)…\n".utf8))
                onFirst()
            } else {
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
