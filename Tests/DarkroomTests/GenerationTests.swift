@testable import Darkroom
import DarkroomImaging
import DarkroomStore
import Foundation
import GRDB
import Testing

@Suite struct GenerationTests {
    @Test func generationStoresPictureRowPromptAndMetadataTogether() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let (events, error) = await run(library, request(), TestGenerator())
        #expect(error == nil)
        guard case .finished(let item) = events.last else { Issue.record("no finished event"); return }
        #expect(events.filter { if case .step = $0 { return true } else { return false } }.count == 4)
        let g = item.generation
        #expect(g.status == .succeeded)
        #expect(g.prompt == "a red circle" && g.negativePrompt == "blurry" && g.seed == 7 && g.steps == 4)
        #expect(g.modelID == "test-painter" && g.engineVersion == "test-1" && g.rngKind == "test-rng")
        #expect(g.deviceID == library.info.deviceID)
        #expect(g.durationMs != nil && g.finishedAt != nil)
        let image = try #require(item.image)
        let bytes = try Data(contentsOf: library.url(of: image.path))
        #expect(image.byteSize == bytes.count)
        let decoded = try PNGCodec.decode(bytes)
        #expect(decoded.image.width == 16 && decoded.image.height == 12)
        #expect(decoded.image.pixels == TestGenerator.paint(request()).pixels)
        let metadata = try #require(GenerationMetadata.parse(textChunks: decoded.textChunks))
        #expect(metadata.prompt == "a red circle")
        #expect(metadata.seed == 7)
        #expect(decoded.textChunks.contains { $0.keyword == "parameters" && $0.text.contains("Seed: 7") })
        #expect(image.thumbnailPath == image.path)   // no larger than a thumbnail: its own thumbnail, no second file
        #expect(!FileManager.default.fileExists(atPath: library.url(of: ImageFileStore.thumbnailPath(hash: image.hash)).path))
        let prompts = try await library.prompts()
        #expect(prompts.map(\.text) == ["a red circle"] && prompts[0].useCount == 1)
        _ = await run(library, request(seed: 8), TestGenerator())
        #expect(try await library.prompts()[0].useCount == 2)
    }

    @Test func failedJobIsRecordedWithItsReasonAndLeavesNoFile() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let (events, error) = await run(library, request(), TestGenerator(behaviour: .failAt(step: 3)))
        guard case .generationFailed(let id, let reason) = error as? LibraryError else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("broke at step 3"))
        #expect(events.count == 3)  // started + 2 steps
        let item = try await library.item(id)
        #expect(item.generation.status == .failed)
        #expect(item.generation.error?.contains("broke at step 3") == true)
        #expect(item.image == nil)
        #expect(files(under: temp.url.appendingPathComponent("images")).isEmpty)
    }

    @Test func cancelledJobIsRecordedAsCancelledAndLeavesNoFile() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let task = Task { () -> (any Error)? in
            do {
                _ = try await library.runGeneration(request(), using: TestGenerator(behaviour: .waitForCancellation(afterStep: 2))) { _ in }
                return nil
            } catch { return error }
        }
        // Wait until the job is running and has made progress, then cancel it.
        for _ in 0..<200 {
            if try await library.count(GalleryQuery.parse(search: "status:running")) == 1 { break }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        try await Task.sleep(nanoseconds: 30_000_000)
        task.cancel()
        let error = await task.value
        guard case .cancelled(let id) = error as? LibraryError else { Issue.record("got \(String(describing: error))"); return }
        #expect(try await library.item(id).generation.status == .cancelled)
        #expect(files(under: temp.url.appendingPathComponent("images")).isEmpty)
    }

    @Test func invalidRequestsAreRefusedBeforeAnythingIsRecorded() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        var bad = request(); bad.prompt = "   "
        let (_, error) = await run(library, bad, TestGenerator())
        #expect(error as? LibraryError == .invalidArgument("The prompt is empty: say what the picture should show."))
        var zeroSteps = request(); zeroSteps.steps = 0
        #expect(await run(library, zeroSteps, TestGenerator()).error != nil)
        #expect(try await library.count(GalleryQuery()) == 0)
    }

    @Test func lineageIsRecorded() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        guard case .finished(let parent) = await run(library, request(), TestGenerator()).events.last,
              case .finished(let child) = await run(library, request(seed: 9), TestGenerator(), parent: parent.id).events.last
        else { Issue.record("generation failed"); return }
        #expect(child.generation.parentID == parent.id)
        #expect(try await library.ancestors(of: child.id).map(\.id) == [parent.id])
        #expect(try await library.children(of: parent.id).map(\.id) == [child.id])
    }

    @Test func interruptedJobIsMarkedFailedOnNextOpen() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        // A job left `running` by a process that died: no one holds its job lock.
        let id = try await library.database.write { db -> GenerationID in
            var row = GenerationRecord.make(source: .generate, status: .running)
            row.prompt = "half done"
            try row.insert(db)
            return row.id
        }
        // A picture written by that process but never committed, with its journal entry.
        let orphan = ImageFileStore.imagePath(hash: String(repeating: "c", count: 64))
        _ = try PendingWriteJournal(folder: temp.url).begin(paths: [orphan])
        try library.files.write(Data("not committed".utf8), to: orphan)
        let reopened = try await Library.open(at: temp.url)
        #expect(reopened.recovery.interruptedJobs == [id])
        #expect(reopened.recovery.removedFiles.contains(orphan))
        let item = try await reopened.item(id)
        #expect(item.generation.status == .failed)
        #expect(item.generation.error == RecoveryReport.interruptedReason)
        #expect(!FileManager.default.fileExists(atPath: reopened.url(of: orphan).path))
    }
}
