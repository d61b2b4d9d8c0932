import Foundation
import GRDB

extension LibraryDatabase {
    /// How often an observation checks for commits made by other processes on the same library.
    public static let otherProcessesPollInterval: Duration = .milliseconds(250)

    /// What `fetch` reads, at once and again after every commit that changes it, until the
    /// consumer stops iterating (or cancels its task).
    ///
    /// Two signals drive it:
    /// - commits through this `LibraryDatabase` (this process): GRDB's `ValueObservation`, which
    ///   re-reads when a commit touches the tables and rows `fetch` read, at once;
    /// - commits by **another process** (an app's share extension, the CLI beside an app, a sync
    ///   run in another process): SQLite's `PRAGMA data_version` on a read-only connection of
    ///   the observation's own, checked every ``otherProcessesPollInterval``. It changes when any
    ///   other connection commits, so a change is seen within one interval.
    ///
    /// A value equal to the last one yielded is not yielded again. See docs/embedding.md.
    public func observe<Value: Equatable & Sendable>(
        _ fetch: @escaping @Sendable (Database) throws -> Value
    ) -> AsyncThrowingStream<Value, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Value, any Error>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let last = ObservedValue<Value>(continuation)
        let pool = self.pool
        let path = self.path
        let task = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await value in ValueObservation.tracking(fetch).values(in: pool) { last.offer(value) }
                    }
                    group.addTask {
                        try await Self.watchOtherProcesses(path: path) { last.offer(try await pool.read(fetch)) }
                    }
                    try await group.next()
                    group.cancelAll()
                }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: StoreError.wrap(error, path: path))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Calls `changed` each time another connection commits to the database at `path`, checking
    /// every ``otherProcessesPollInterval``, until cancelled.
    private static func watchOtherProcesses(path: String, changed: @Sendable () async throws -> Void) async throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "darkroom.observation"
        let watcher = try DatabaseQueue(path: path, configuration: configuration)
        func version() throws -> Int { try watcher.inDatabase { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 } }
        var seen = try version()
        while true {
            try await Task.sleep(for: otherProcessesPollInterval)
            let now = try version()
            if now != seen {
                seen = now
                try await changed()
            }
        }
    }
}

/// The last value an observation yielded, so that an equal one (the same commit seen by both
/// signals) is not yielded twice. A lock rather than `Synchronization.Mutex`, which needs iOS 18.
private final class ObservedValue<Value: Equatable & Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var last: Value?   // guarded by `lock`
    private let continuation: AsyncThrowingStream<Value, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<Value, any Error>.Continuation) {
        self.continuation = continuation
    }

    func offer(_ value: Value) {
        lock.withLock {
            guard last != value else { return }
            last = value
            continuation.yield(value)
        }
    }
}

// The live queries a gallery UI observes.
extension LibraryDatabase {
    /// The page `query` selects, again after every change that alters it.
    public func observeItems(_ query: GalleryQuery) -> AsyncThrowingStream<[GalleryItem], any Error> {
        observe { db in try query.fetchItems(db) }
    }

    /// One generation by full id (nil while it does not exist), again after every change to it.
    public func observeItem(id: GenerationID) -> AsyncThrowingStream<GalleryItem?, any Error> {
        observe { db in try GenerationRecord.fetchOne(db, key: id).map { try GalleryItem.load([$0], db)[0] } }
    }

    /// The statistics, again after every change that alters them.
    public func observeStatistics() -> AsyncThrowingStream<LibraryStatistics, any Error> {
        observe { db in try LibraryStatistics.fetch(db) }
    }
}
