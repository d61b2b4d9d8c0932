import Foundation

/// A one-line progress bar on stderr (step, it/s, ETA), redrawn in place; silent when not a terminal.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private var started = Date()
    private var id = ""
    private let lock = NSLock()

    init(enabled: Bool) { self.enabled = enabled }

    func start(id: String) {
        lock.lock(); defer { lock.unlock() }
        self.id = String(id.prefix(8))
        started = Date()
    }

    func update(step: Int, total: Int) {
        lock.lock(); defer { lock.unlock() }
        guard enabled, total > 0 else { return }
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(step) / elapsed : 0
        let eta = rate > 0 ? Double(total - step) / rate : 0
        let width = 24
        let filled = width * step / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\r%@ %@ %d/%d  %.1f it/s  ETA %.1fs ", id, bar, step, total, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
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
                exit(130)
            }
        }
        source.resume()
    }

    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
