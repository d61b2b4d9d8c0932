import Foundation

/// The model a queued job runs on, as the app finds it: jobs whose ``key`` is the same share one
/// loaded generator (an app decides where its models are; the runner only keeps them loaded).
public struct JobModel: Sendable {
    /// Jobs with the same key share a generator (the CLI uses the model folder and the LoRAs' hashes).
    public var key: String
    /// A name to show while it loads.
    public var name: String
    /// Loads the generator.
    public var load: @Sendable () async throws -> any ImageGenerator

    /// A job's model.
    public init(key: String, name: String, load: @escaping @Sendable () async throws -> any ImageGenerator) {
        self.key = key
        self.name = name
        self.load = load
    }
}

/// What ``Library/runQueue(limit:model:events:)`` reports while it works.
public enum QueueEvent: Sendable {
    /// Job `number` of `total` (the queue as it was at the start; jobs queued meanwhile raise the total) begins.
    case job(GenerationRecord, number: Int, total: Int)
    /// The job's model is loading (the first job on a model).
    case loadingModel(name: String)
    /// The model finished loading, or failed to (the job then fails).
    case modelLoaded
    /// The running job's progress.
    case progress(GenerationProgress)
    /// A job failed (its row records why); the run goes on with the next one.
    case failed(id: GenerationID, reason: String)
}

/// What a queue run did.
public struct QueueRunSummary: Sendable, Equatable {
    /// Jobs that made their picture.
    public var succeeded = 0
    /// Jobs that failed (model not loadable, or the generation failed).
    public var failed = 0

    /// A summary.
    public init(succeeded: Int = 0, failed: Int = 0) {
        self.succeeded = succeeded
        self.failed = failed
    }
}

extension Library {
    /// Runs queued jobs, oldest first, until the queue is empty or `limit` jobs ran; jobs queued while
    /// it runs (by any process) run too. Each job is claimed atomically, so several runners can share a
    /// queue. A job whose model cannot be found or loaded is failed with the reason and the run goes on.
    ///
    /// Cancel the calling task to stop: the running job ends `cancelled` before this throws
    /// ``LibraryError/cancelled(id:)``.
    /// - Parameter model: where a job's model is; the runner keeps one generator per ``JobModel/key``.
    public func runQueue(limit: Int? = nil, model: @Sendable (GenerationRecord) async throws -> JobModel,
                         events: @escaping @Sendable (QueueEvent) -> Void) async throws -> QueueRunSummary {
        var generators: [String: any ImageGenerator] = [:]
        var summary = QueueRunSummary()
        var ran: Int { summary.succeeded + summary.failed }
        var total = try await queuedJobs().filter { $0.status == .queued }.count
        if let limit { total = min(total, limit) }
        while limit.map({ ran < $0 }) ?? true {
            try Task.checkCancellation()
            guard let job = try await queuedJobs().first(where: { $0.status == .queued }) else { break }
            total = max(total, ran + 1)
            events(.job(job, number: ran + 1, total: total))
            let generator: any ImageGenerator
            do {
                generator = try await loadedGenerator(for: job, model: model, cache: &generators, events: events)
            } catch {
                try await failQueued(job.id, reason: "\(error)")
                events(.failed(id: job.id, reason: "\(error)"))
                summary.failed += 1
                continue
            }
            do {
                if try await runQueuedJob(job.id, using: generator, progress: { events(.progress($0)) }) != nil { summary.succeeded += 1 }
            } catch LibraryError.generationFailed(let id, let reason) {
                events(.failed(id: id, reason: reason))
                summary.failed += 1
            }
        }
        return summary
    }

    /// The generator for `job`: a loaded one for its model's key, else loaded now.
    private func loadedGenerator(for job: GenerationRecord, model: @Sendable (GenerationRecord) async throws -> JobModel,
                                 cache: inout [String: any ImageGenerator],
                                 events: @Sendable (QueueEvent) -> Void) async throws -> any ImageGenerator {
        let found = try await model(job)
        if let cached = cache[found.key] { return cached }
        events(.loadingModel(name: found.name))
        defer { events(.modelLoaded) }
        let generator = try await found.load()
        cache[found.key] = generator
        return generator
    }
}
