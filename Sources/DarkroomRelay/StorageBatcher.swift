import DarkroomSync
import Foundation
import NIOConcurrencyHelpers

/// A nonce to record: the request's use of it and the library it addressed.
struct NonceRecord: Sendable, Hashable {
    var nonce: String
    var device: DeviceID
    var library: LibraryID
    var expiresAt: Int64

    /// The nonce as `RelayStorage.put` takes it.
    var use: RelayNonceUse { RelayNonceUse(nonce: nonce, device: device, expiresAt: expiresAt) }
}

/// A device of a library, as a request names it.
struct DeviceKey: Sendable, Hashable {
    var device: DeviceID
    var library: LibraryID
}

/// Runs the same storage operation for concurrent requests as one: one statement or one
/// transaction for a whole batch (group commit, for writes).
///
/// Every signed request records its nonce and, on PostgreSQL, reads its device's record. One
/// transaction or round trip each and the relay spends its time opening and committing tiny
/// transactions (on SQLite, each request also hops to the only writer's queue and back; on
/// PostgreSQL each is a round trip and, for a nonce, a commit). Here a request adds its key
/// to a queue and waits; whichever request finds no batch running runs everything queued as
/// one operation, then what queued meanwhile, until the queue is empty. Each request is
/// answered only once the operation holding its key has finished (for a nonce: committed), so
/// a nonce is still "fresh" at most once, and only once it is stored.
///
/// A key that several queued requests carry is handed to the operation once; `repeated` says
/// what its later requests get from the answer of the first (for a nonce: not fresh, as the
/// first one used it; for a read: the same record).
final class StorageBatcher<Key: Hashable & Sendable, Answer: Sendable>: Sendable {
    /// Runs the operation for distinct keys; answers in their order.
    typealias Operation = @Sendable ([Key]) async throws -> [Answer]

    private struct Waiting {
        var key: Key
        var continuation: CheckedContinuation<Answer, any Error>
    }

    private struct Queue {
        var waiting: [Waiting] = []
        var running = false
    }

    private let operation: Operation
    private let repeated: @Sendable (Answer) -> Answer
    private let queue = NIOLockedValueBox(Queue())

    /// Runs batches with `operation`; a key's later requests in one batch get `repeated` of
    /// its first's answer.
    init(repeated: @escaping @Sendable (Answer) -> Answer, operation: @escaping Operation) {
        self.operation = operation
        self.repeated = repeated
    }

    /// The answer for `key`, from the batch it joins.
    func submit(_ key: Key) async throws -> Answer {
        try await withCheckedThrowingContinuation { continuation in
            let startsBatch = queue.withLockedValue { queue in
                queue.waiting.append(Waiting(key: key, continuation: continuation))
                defer { queue.running = true }
                return !queue.running
            }
            if startsBatch { Task { await self.runQueued() } }
        }
    }

    /// Runs batches until the queue is empty.
    private func runQueued() async {
        while true {
            let batch: [Waiting] = queue.withLockedValue { queue in
                let batch = queue.waiting
                queue.waiting = []
                if batch.isEmpty { queue.running = false }
                return batch
            }
            if batch.isEmpty { return }
            // Each distinct key once, in the order of its first request.
            var firstIndex: [Key: Int] = [:]
            var distinct: [Key] = []
            for waiting in batch where firstIndex[waiting.key] == nil {
                firstIndex[waiting.key] = distinct.count
                distinct.append(waiting.key)
            }
            do {
                let answers = try await operation(distinct)
                precondition(answers.count == distinct.count, "a batched storage operation must answer for every key")
                var answered = Set<Key>()
                for waiting in batch {
                    let answer = answers[firstIndex[waiting.key]!]
                    waiting.continuation.resume(returning: answered.insert(waiting.key).inserted ? answer : repeated(answer))
                }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}

extension StorageBatcher where Key == NonceRecord, Answer == Bool {
    /// Records used nonces: true for a nonce that was not stored before (the request is
    /// fresh); a copy of a nonce in the same batch is a replay.
    static func nonces(_ insert: @escaping Operation) -> StorageBatcher {
        StorageBatcher(repeated: { _ in false }, operation: insert)
    }
}
