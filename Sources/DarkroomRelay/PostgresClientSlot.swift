import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// The current connection pool and the task that runs it; replaced when it wedges.
final class ClientSlot: Sendable {
    private struct State {
        var client: PostgresClient
        var runner: Task<Void, Never>
        var generation = 0
        /// Replaced pools, closed once their grace has passed or at shutdown.
        var retired: [Task<Void, Never>] = []
    }
    private let configuration: PostgresClient.Configuration
    private let logger: Logger
    private let state: NIOLockedValueBox<State>

    init(configuration: PostgresClient.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        state = NIOLockedValueBox(State(client: client, runner: Task { await client.run() }))
    }

    func current() -> (PostgresClient, Int) { state.withLockedValue { ($0.client, $0.generation) } }

    /// Starts a new pool unless another caller already replaced `generation`. The old one
    /// serves what it has in flight for `grace` (longer than any operation may take), then
    /// closes, and with it any connection a stuck query still holds.
    func replace(generation old: Int, retiringAfter grace: Duration) {
        state.withLockedValue { state in
            guard old == state.generation else { return }
            let retiring = state.runner
            state.retired.append(retiring)
            Task {
                try? await Task.sleep(for: grace)
                retiring.cancel()
                self.forget(retiring)
            }
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            state.client = client
            state.runner = Task { await client.run() }
            state.generation += 1
        }
    }

    /// Drops a closed pool's runner from `retired`.
    private func forget(_ closed: Task<Void, Never>) {
        state.withLockedValue { $0.retired.removeAll { $0 == closed } }
    }

    func shutdown() {
        state.withLockedValue { state in
            state.runner.cancel()
            for old in state.retired { old.cancel() }
        }
    }
}

/// Waits for an operation at most a given time, without waiting for an operation that
/// ignores cancellation (it is cancelled and left to finish on its own).
enum Deadline {
    struct Exceeded: Error {}

    /// Which of the two racing tasks finished first, and both tasks to cancel.
    private final class Once: Sendable {
        private let state = NIOLockedValueBox((done: false, tasks: [Task<Void, Never>]()))

        func claim() -> Bool {
            state.withLockedValue { state in
                if state.done { return false }
                state.done = true
                return true
            }
        }

        func hold(_ task: Task<Void, Never>) { state.withLockedValue { $0.tasks.append(task) } }

        func cancelAll() {
            for t in state.withLockedValue({ $0.tasks }) { t.cancel() }
        }
    }

    static func run<T: Sendable>(within limit: Duration, _ body: @Sendable @escaping () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let once = Once()
            once.hold(Task {
                try? await Task.sleep(for: limit)
                if once.claim() {
                    once.cancelAll()
                    continuation.resume(throwing: Exceeded())
                }
            })
            once.hold(Task {
                do {
                    let value = try await body()
                    if once.claim() { continuation.resume(returning: value) }
                } catch {
                    if once.claim() { continuation.resume(throwing: error) }
                }
                once.cancelAll()  // stops the timer
            })
        }
    }
}
