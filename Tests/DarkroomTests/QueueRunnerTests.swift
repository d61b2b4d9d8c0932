import Darkroom
import Foundation
import NIOConcurrencyHelpers
import Testing

/// `Library.runQueue`: the queue runner an app (and `darkroom queue run`) drives.
@Suite struct QueueRunnerTests {
    /// A page of the jobs with `status`.
    static func failedOrCancelled(_ status: GenerationRecord.Status) -> GalleryQuery {
        var query = GalleryQuery()
        query.statuses = [status]
        return query
    }

    /// Records what a run reports.
    final class Recorder: Sendable {
        let events = NIOLockedValueBox<[String]>([])
        func record(_ event: QueueEvent) {
            let line: String
            switch event {
            case .job(let job, let number, let total): line = "job \(number)/\(total) seed \(job.seed ?? -1)"
            case .loadingModel(let name): line = "loading \(name)"
            case .modelLoaded: line = "loaded"
            case .progress(.finished(let item)): line = "finished seed \(item.generation.seed ?? -1)"
            case .progress: return
            case .failed(_, let reason): line = "failed: \(reason)"
            }
            events.withLockedValue { $0.append(line) }
        }
    }

    @Test func jobsRunOldestFirstOnOneLoadedModelAndAnUnloadableModelFailsOnlyItsJob() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        _ = try await library.enqueue(request(seed: 1), count: 2, modelID: "test-painter", modelPath: "/models/a")
        _ = try await library.enqueue(request(seed: 9), modelID: "gone", modelPath: "/models/gone")
        _ = try await library.enqueue(request(seed: 3), modelID: "test-painter", modelPath: "/models/a")
        let recorder = Recorder()
        let loads = NIOLockedValueBox(0)
        let summary = try await library.runQueue(model: { job in
            guard job.modelPath == "/models/a" else { throw LibraryError.modelUnavailable(name: job.modelID, hash: nil) }
            return JobModel(key: "a", name: "a") { loads.withLockedValue { $0 += 1 }; return TestGenerator() }
        }, events: recorder.record)
        #expect(summary == QueueRunSummary(succeeded: 3, failed: 1))
        #expect(loads.withLockedValue { $0 } == 1)
        let events = recorder.events.withLockedValue { $0 }
        #expect(events.first == "job 1/4 seed 1" && events.contains("loading a") && events.filter { $0 == "loaded" }.count == 1)
        #expect(events.filter { $0.hasPrefix("finished") } == ["finished seed 1", "finished seed 2", "finished seed 3"])
        #expect(events.contains { $0.hasPrefix("failed:") && $0.contains("gone") })
        #expect(try await library.queuedJobs().isEmpty)
        let failed = try await library.items(Self.failedOrCancelled(.failed))
        #expect(failed.map(\.generation.seed) == [9] && failed[0].generation.error?.contains("gone") == true)
    }

    @Test func aLimitStopsTheRunAndTheRestStaysQueued() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        _ = try await library.enqueue(request(seed: 1), count: 3, modelID: "test-painter", modelPath: nil)
        let summary = try await library.runQueue(limit: 2, model: { _ in JobModel(key: "m", name: "m") { TestGenerator() } }, events: { _ in })
        #expect(summary.succeeded == 2)
        #expect(try await library.queuedJobs().map(\.seed) == [3])
    }

    @Test func cancellingTheRunEndsTheRunningJobCancelledBeforeItReturns() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        _ = try await library.enqueue(request(seed: 1), count: 2, modelID: "test-painter", modelPath: nil)
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let run = Task {
            try await library.runQueue(model: { _ in JobModel(key: "m", name: "m") { TestGenerator(behaviour: .waitForCancellation(afterStep: 1)) } }) { event in
                if case .progress(.step) = event { startedContinuation.yield() }
            }
        }
        for await _ in started { break }
        run.cancel()
        await #expect(throws: LibraryError.self) { try await run.value }
        let jobs = try await library.items(Self.failedOrCancelled(.cancelled))
        #expect(jobs.map(\.generation.seed) == [1])
        #expect(try await library.queuedJobs().map(\.seed) == [2])
    }
}
