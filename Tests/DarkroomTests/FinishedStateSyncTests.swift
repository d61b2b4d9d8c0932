@testable import Darkroom
import DarkroomImaging
import Foundation
import GRDB
import Testing

/// A generator that paints like ``TestGenerator`` but finishes only once its gate opens.
private struct GatedGenerator: ImageGenerator {
    actor Gate {
        private var open = false
        func release() { open = true }
        func wait() async throws { while !open { try await Task.sleep(nanoseconds: 2_000_000) } }
    }

    let gate = Gate()
    var modelID: String { "gated-painter" }

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GeneratorEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await gate.wait()
                    for try await event in TestGenerator().generate(request) { continuation.yield(event) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// The finished state of a job wins on every device, even after a "failed" for it was synced.
@Suite(.serialized) struct FinishedStateSyncTests {
    @Test func aJobMarkedFailedWhileItRanArrivesSucceededWithItsPicture() async throws {
        let world = try await SyncWorld(devices: 2)
        defer { world.cleanup() }
        let (a, b) = (world.libraries[0], world.libraries[1])
        let generator = GatedGenerator()
        let job = Task { try await a.runGeneration(request("a gated job"), using: generator) { _ in } }
        var id: GenerationID?
        for _ in 0..<500 where id == nil {
            id = try await a.queuedJobs().first { $0.status == .running }?.id
            if id == nil { try await Task.sleep(nanoseconds: 10_000_000) }
        }
        let running = try #require(id)
        // What a buggy recovery in another process did to a job it thought dead: the row says
        // failed, and a sync ships that to the other device.
        try await a.database.write { db in
            try db.execute(sql: "UPDATE generation SET status = 'failed', error = ?, finished_at = ? WHERE id = ?",
                           arguments: [RecoveryReport.interruptedReason, Date(), running])
        }
        try await world.syncAll()
        #expect(try await b.item(running).generation.status == .failed)

        await generator.gate.release()
        let finished = try await job.value
        #expect(finished.generation.status == .succeeded)
        try await world.syncAll()
        let received = try await b.item(running)
        #expect(received.generation.status == .succeeded)
        #expect(received.generation.error == nil)
        let image = try #require(received.image)
        #expect(image.hash == finished.image?.hash)
        #expect(FileManager.default.fileExists(atPath: b.url(of: image.path).path))
        #expect(try await syncedState(a) == (try await syncedState(b)))
    }
}
