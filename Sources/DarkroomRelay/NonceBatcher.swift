import DarkroomSync
import Foundation

/// A nonce to record: the request's use of it and the library it addressed.
struct NonceRecord: Sendable, Hashable {
    var nonce: String
    var device: DeviceID
    var library: LibraryID
    var expiresAt: Int64

    /// The nonce as `RelayStorage.put` takes it.
    var use: RelayNonceUse { RelayNonceUse(nonce: nonce, device: device, expiresAt: expiresAt) }
}

/// Records the nonces of concurrent requests in shared write transactions (group commit).
///
/// Every signed request inserts its nonce, so with one transaction per nonce the relay spends
/// its time opening and committing tiny transactions (on SQLite, each request also hops to
/// the only writer's queue and back; on PostgreSQL, each costs a round trip and a commit).
/// Here a request adds its nonce to a queue and waits; whichever request finds no commit
/// running commits everything queued, in one transaction, then what queued meanwhile, until
/// the queue is empty. Each request learns only when the transaction holding its nonce has
/// committed, so replay protection is what it was: a nonce is answered "fresh" at most once,
/// and only once it is stored. The same nonce twice in one batch (a replay racing the
/// original) is handed to the storage once; only its first request can be fresh.
final class NonceBatcher: Sendable {
    /// Stores a batch of distinct nonces in one transaction; for each, whether it was new.
    typealias Commit = @Sendable ([NonceRecord]) async throws -> [Bool]

    private struct Waiting {
        var record: NonceRecord
        var continuation: CheckedContinuation<Bool, any Error>
    }

    private struct Queue {
        var waiting: [Waiting] = []
        var committing = false
    }

    private let commit: Commit
    private let queue = LockedState(Queue())

    /// Commits batches with `commit`.
    init(commit: @escaping Commit) { self.commit = commit }

    /// Inserts the nonce; true when it was not stored before (the request is fresh).
    func use(_ record: NonceRecord) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let startsCommit = queue.withLock { queue in
                queue.waiting.append(Waiting(record: record, continuation: continuation))
                defer { queue.committing = true }
                return !queue.committing
            }
            if startsCommit { Task { await self.commitQueued() } }
        }
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
            // Each distinct nonce once, in the order of its first request.
            var firstIndex: [NonceRecord: Int] = [:]
            var distinct: [NonceRecord] = []
            for waiting in batch where firstIndex[waiting.record] == nil {
                firstIndex[waiting.record] = distinct.count
                distinct.append(waiting.record)
            }
            do {
                let fresh = try await commit(distinct)
                precondition(fresh.count == distinct.count, "a nonce commit must answer for every nonce")
                var answered = Set<NonceRecord>()
                for waiting in batch {
                    let isFirst = answered.insert(waiting.record).inserted
                    waiting.continuation.resume(returning: isFirst && fresh[firstIndex[waiting.record]!])
                }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
