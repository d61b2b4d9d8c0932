import DarkroomStore
import Foundation

/// What a ``LibrarySync/run(progress:)`` reports while it works, for a progress display.
public struct SyncProgress: Sendable, Equatable {
    /// The stages of a run, in the order they come.
    public enum Phase: String, Sendable, CaseIterable {
        /// Listing the transport and verifying what is new.
        case checking = "checking"
        /// Downloading the pictures of received generations.
        case downloadingPictures = "downloading pictures"
        /// Applying received envelopes to the library.
        case applying = "applying"
        /// Uploading the pictures of new generations.
        case uploadingPictures = "uploading pictures"
        /// Sending this device's changes.
        case sending = "sending"
    }

    /// The stage.
    public var phase: Phase
    /// How many of its items are done (pictures, envelopes or changes), nil when it just began.
    public var done: Int?
    /// How many there are, when known.
    public var total: Int?
    /// Bytes moved in this stage so far (pictures' ciphertext), when it moves any.
    public var bytes: Int64?

    /// A report with explicit parts.
    public init(phase: Phase, done: Int? = nil, total: Int? = nil, bytes: Int64? = nil) {
        self.phase = phase
        self.done = done
        self.total = total
        self.bytes = bytes
    }
}

extension LibrarySync {
    /// Reports to the running sync's progress display, if any.
    func reportProgress(_ progress: SyncProgress) { progressSink.send(progress) }

    /// ``run()``, reporting each stage and count to `progress` as it goes.
    public func run(progress: @escaping @Sendable (SyncProgress) -> Void) async throws -> SyncRunReport {
        progressSink.set(progress)
        defer { progressSink.set(nil) }
        return try await run()
    }
}

/// Where a run of one ``LibrarySync`` reports its progress. (A task-local value crashed in
/// `swift_task_localValuePush` in release builds with the static standard library.)
final class SyncProgressSink: @unchecked Sendable {
    // Unchecked: every access holds the lock.
    private let lock = NSLock()
    private var receiver: (@Sendable (SyncProgress) -> Void)?

    func set(_ receiver: (@Sendable (SyncProgress) -> Void)?) {
        lock.lock(); defer { lock.unlock() }
        self.receiver = receiver
    }

    func send(_ progress: SyncProgress) {
        lock.lock()
        let receiver = self.receiver
        lock.unlock()
        receiver?(progress)
    }
}

/// A count shared by the tasks of one run (pictures and bytes moved in one stage).
actor SyncCounter {
    private var count = 0
    private var byteCount: Int64 = 0

    /// Adds one item of `bytes` and returns the totals.
    func add(bytes: Int64) -> (count: Int, bytes: Int64) {
        count += 1
        byteCount += bytes
        return (count, byteCount)
    }
}
