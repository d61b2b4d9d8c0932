import Darkroom
import DarkroomStore
import Foundation
import Testing

@Suite struct QueueTests {
    @Test func batchIsQueuedThenRunOldestFirst() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let ids = try await library.enqueue(request(seed: 40), count: 3, modelID: "test-painter", modelPath: "/models/x")
        let queued = try await library.queuedJobs()
        #expect(queued.map(\.id) == ids)
        #expect(queued.map(\.seed) == [40, 41, 42])
        #expect(Set(queued.compactMap(\.batchID)).count == 1)
        #expect(queued.map(\.batchIndex) == [0, 1, 2])
        #expect(queued.allSatisfy { $0.status == .queued && $0.modelPath == "/models/x" })
        let first = try await library.runQueuedJob(using: TestGenerator()) { _ in }
        #expect(first?.id == ids[0])
        #expect(first?.generation.status == .succeeded && first?.image != nil)
        #expect(try await library.queuedJobs().map(\.id) == [ids[1], ids[2]])
        #expect(try await library.cancelQueued([ids[2]]) == [ids[2]])
        #expect(try await library.item(ids[2]).generation.status == .cancelled)
        _ = try await library.runQueuedJob(using: TestGenerator()) { _ in }
        #expect(try await library.runQueuedJob(using: TestGenerator()) { _ in } == nil)
        #expect(try await library.queuedJobs().isEmpty)
    }

    @Test func retryQueuesANewChildAndClearCancelsEverything() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let (_, error) = await run(library, request(), TestGenerator(behaviour: .failAt(step: 1)))
        guard case .generationFailed(let failed, _) = error as? LibraryError else { Issue.record("\(String(describing: error))"); return }
        let retried = try await library.retry([failed])
        let child = try await library.item(retried[0]).generation
        #expect(child.parentID == failed && child.status == .queued && child.seed == 7)
        let done = try await library.item(failed)
        await #expect(throws: LibraryError.self) { try await library.retry([done.id, retried[0]]) }
        _ = try await library.enqueue(request(seed: 1), count: 2, modelID: "m", modelPath: nil)
        #expect(try await library.clearQueue() == 3)
        #expect(try await library.queuedJobs().isEmpty)
    }

    @Test func aJobCannotBeClaimedTwice() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let ids = try await library.enqueue(request(), modelID: "m", modelPath: nil)
        _ = try await library.runQueuedJob(ids[0], using: TestGenerator()) { _ in }
        await #expect(throws: LibraryError.self) { try await library.runQueuedJob(ids[0], using: TestGenerator()) { _ in } }
    }
}

@Suite struct VerifyTests {
    @Test func verifyReportsIdenticalThenTheFirstDifference() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        guard case .finished(let item) = await run(library, request(), TestGenerator()).events.last else { return }
        #expect(try await library.verify(item.id, using: TestGenerator()).verdict == .identical)
        let skin = try await library.verify(item.id, using: TestGenerator(skinColoured: true))
        guard case .different(let why) = skin.verdict else { Issue.record("expected a difference"); return }
        #expect(why.contains("pixels differ"))
        #expect((skin.maxPixelDifference ?? 0) > 0)
    }
}

@Suite struct MixedBatchTests {
    /// A batch with one cancelled member and one flagged member shows correctly in list, show and export.
    @Test func batchWithACancelledAndAFlaggedMember() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let ids = try await library.enqueue(request("a beach", seed: 10), count: 3, modelID: "test-painter", modelPath: nil)
        try await library.cancelQueued([ids[1]])
        _ = try await library.runQueuedJob(ids[0], using: TestGenerator()) { _ in }
        _ = try await library.runQueuedJob(ids[2], using: TestGenerator(skinColoured: true)) { _ in }

        // list: the cancelled job shows with its status, the flagged one is hidden unless asked for.
        let visible = try await library.items(GalleryQuery(text: "beach"))
        #expect(Set(visible.map(\.id)) == [ids[0], ids[1]])
        #expect(visible.first { $0.id == ids[1] }?.generation.status == .cancelled)
        var all = GalleryQuery(text: "beach"); all.includeFlagged = true
        let everything = try await library.items(all)
        #expect(everything.count == 3 && everything.first { $0.id == ids[2] }?.isFlagged == true)
        #expect(Set(everything.compactMap(\.generation.batchID)).count == 1)
        #expect(everything.map(\.generation.batchIndex).sorted { ($0 ?? 0) < ($1 ?? 0) } == [0, 1, 2])

        // show (item): each member keeps its own state.
        #expect(try await library.item(ids[1]).image == nil)
        #expect(try await library.item(ids[2]).flaggedBy == ["skin-tone-area"])

        // export: only the member with a picture that is not flagged.
        let out = temp.url.deletingLastPathComponent().appendingPathComponent("export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let exported = try await library.export(everything, to: out)
        #expect(exported.map(\.id) == [ids[0]])
        #expect(try await library.export(everything, to: out, includeFlagged: true).map(\.id).sorted() == [ids[0], ids[2]].sorted())
    }
}
