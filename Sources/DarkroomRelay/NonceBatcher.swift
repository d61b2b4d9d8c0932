import DarkroomSync
import Foundation
import GRDB

/// Records the nonces of concurrent requests in shared write transactions (group commit).
///
/// Every signed request inserts its nonce, so with one transaction per nonce the relay's only
/// writer spends its time opening and committing tiny transactions, and each request hops to
/// the writer's queue and back. Here a request adds its nonce to a queue and waits; whichever
/// request finds no commit running commits everything queued, in one transaction, then what
/// queued meanwhile, until the queue is empty. Each request learns only when the transaction
/// holding its nonce has committed, so replay protection is what it was: a nonce is answered
/// "fresh" at most once, and only once it is stored.
final class NonceBatcher: Sendable {
    private struct Entry: Sendable {
        var nonce: String
        var device: DeviceID
        var library: LibraryID
        var expiresAt: Int64
    }

    private struct Waiting {
        var entry: Entry
        var continuation: CheckedContinuation<Bool, any Error>
    }

    private struct Queue {
        var waiting: [Waiting] = []
        var committing = false
    }

    private let pool: DatabasePool
    private let queue = LockedState(Queue())

    /// Commits into `pool`.
    init(pool: DatabasePool) { self.pool = pool }

    /// Inserts the nonce; true when it was not stored before (the request is fresh).
    func use(_ nonce: String, device: DeviceID, library: LibraryID, expiresAt: Int64) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let entry = Entry(nonce: nonce, device: device, library: library, expiresAt: expiresAt)
            let startsCommit = queue.withLock { queue in
                queue.waiting.append(Waiting(entry: entry, continuation: continuation))
                defer { queue.committing = true }
                return !queue.committing
            }
            if startsCommit { Task { await self.commitQueued() } }
        }
    }

    /// Inserts a used nonce unless it is there; `db.changesCount` then says whether it was fresh.
    static func insert(_ db: Database, _ use: RelayNonceUse, library: LibraryID) throws {
        try db.cachedStatement(sql: "INSERT INTO relay_used_nonces (expires_at, library, device, nonce) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .execute(arguments: [use.expiresAt, library.rawValue, use.device.rawValue, use.nonce])
    }

    /// Commits batches until the queue is empty.
    private func commitQueued() async {
        while true {
            let batch: [Waiting] = queue.withLock { queue in
                let batch = queue.waiting
                queue.waiting = []
                if batch.isEmpty { queue.committing = false }
                return batch
            }
            if batch.isEmpty { return }
            let entries = batch.map(\.entry)
            do {
                let fresh = try await pool.write { db in
                    try entries.map { e in
                        try Self.insert(db, RelayNonceUse(nonce: e.nonce, device: e.device, expiresAt: e.expiresAt), library: e.library)
                        return db.changesCount == 1
                    }
                }
                for (waiting, isFresh) in zip(batch, fresh) { waiting.continuation.resume(returning: isFresh) }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
