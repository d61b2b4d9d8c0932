import Darkroom
import Foundation

/// `sync run`'s progress on stderr: one ``ProgressReporter`` per stage of the run (checking, pictures
/// down, applying, pictures up, sending), each with its own unit, count and rate.
final class SyncProgressDisplay: @unchecked Sendable {
    // Unchecked: every access holds the lock (reports come from the run's tasks).
    private let style: ProgressStyle
    private let lock = NSLock()
    private var phase: SyncProgress.Phase?
    private var reporter: ProgressReporter?
    private var last: SyncProgress?

    init(style: ProgressStyle) { self.style = style }

    /// Shows one report of the run.
    func show(_ progress: SyncProgress) {
        lock.lock(); defer { lock.unlock() }
        if progress.phase != phase {
            flush()
            reporter?.clear()
            phase = progress.phase
            reporter = ProgressReporter(task: "sync", unit: Self.unit(progress.phase), style: style)
            reporter?.begin(phase: progress.phase.rawValue)
        }
        if let done = progress.done {
            reporter?.update(done: done, total: progress.total, bytes: progress.bytes)
            last = progress
        }
    }

    /// Shows a stage's last count before it ends (the reporter draws at most ten times a second).
    private func flush() {
        guard let last, let done = last.done else { return }
        reporter?.update(done: done, total: last.total ?? done, bytes: last.bytes)
        self.last = nil
    }

    /// The run ended: the last stage's line is cleared (the command prints its summary).
    func finish() {
        lock.lock(); defer { lock.unlock() }
        flush()
        reporter?.finish()
        reporter = nil
    }

    private static func unit(_ phase: SyncProgress.Phase) -> String {
        switch phase {
        case .checking, .applying: return "envelopes"
        case .downloadingPictures, .uploadingPictures: return "pictures"
        case .sending: return "changes"
        }
    }
}
