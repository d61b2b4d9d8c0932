import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import Foundation
import GRDB

/// What ``Library/generate(_:using:parentID:batch:)`` reports.
public enum GenerationProgress: Sendable {
    /// The job row was recorded with this id and is running.
    case started(id: String)
    /// Step `step` of `total` done.
    case step(id: String, step: Int, total: Int, preview: PixelImage?)
    /// The picture is stored and the row committed.
    case finished(GalleryItem)
}

/// Where a job sits in a batch (several seeds made together).
public struct BatchPosition: Sendable, Equatable {
    /// Shared by every job of the batch.
    public var id: String
    /// Position (0-based) in the batch.
    public var index: Int
    /// A position in batch `id`.
    public init(id: String, index: Int) { self.id = id; self.index = index }
}

extension Library {
    /// Runs one generation job through `generator` and stores the result.
    ///
    /// The job is recorded as `running` before the generator starts (held by a
    /// job lock, so a later process can tell if this one died). The picture —
    /// a PNG carrying A1111 `parameters` and Darkroom's JSON metadata — and the
    /// finished row are committed together. A failure or cancellation is
    /// recorded on the row with its reason, and the stream ends with
    /// ``LibraryError/generationFailed(id:reason:)`` or
    /// ``LibraryError/cancelled(id:)``; no file is left behind.
    public func generate(_ request: GenerationRequest, using generator: any ImageGenerator,
                         parentID: String? = nil, batch: BatchPosition? = nil) -> AsyncThrowingStream<GenerationProgress, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    _ = try await self.runGeneration(request, using: generator, parentID: parentID, batch: batch) {
                        continuation.yield($0)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Runs one generation job to its end, reporting progress to `progress`; see
    /// ``generate(_:using:parentID:batch:)``.
    ///
    /// Cancel the calling task to cancel the job: this function returns only once the job's row says
    /// `cancelled` (throwing ``LibraryError/cancelled(id:)``), so a process may exit right after.
    public func runGeneration(_ request: GenerationRequest, using generator: any ImageGenerator,
                              parentID: String? = nil, batch: BatchPosition? = nil,
                              progress: @Sendable (GenerationProgress) -> Void) async throws -> GalleryItem {
        var finished: GalleryItem?
        try await runJob(request, generator: generator, parentID: parentID, batch: batch) { event in
            if case .finished(let item) = event { finished = item }
            progress(event)
        }
        return finished!
    }

    private func runJob(_ request: GenerationRequest, generator: any ImageGenerator, parentID: String?,
                        batch: BatchPosition?, report: (GenerationProgress) -> Void) async throws {
        try Self.validate(request)
        try await checkPrompt(request.prompt)
        let safety = try await safetyConfiguration()
        let id = StableID.make()
        let lock = jobLock(id)
        try lock.lock(exclusive: true, wait: true)
        defer {
            try? FileManager.default.removeItem(atPath: lock.path)
            lock.unlock()
        }
        let started = Date()
        let deviceID = info.deviceID
        try await database.write { db in
            var row = GenerationRecord.make(source: .generate, status: .running, now: started)
            row.id = id
            row.prompt = request.prompt
            row.negativePrompt = request.negativePrompt
            row.seed = Int64(bitPattern: request.seed)
            row.steps = request.steps
            row.guidance = request.guidance
            row.scheduler = request.scheduler
            row.width = request.width
            row.height = request.height
            row.modelID = generator.modelID
            row.startedAt = started
            row.parentID = parentID
            row.batchID = batch?.id
            row.batchIndex = batch?.index
            row.deviceID = deviceID
            row.promptID = try PromptRecord.recordUse(text: request.prompt, negativeText: request.negativePrompt, at: started, db).id
            try row.insert(db)
        }
        report(.started(id: id))
        do {
            var result: GeneratedImage?
            for try await event in generator.generate(request) {
                try Task.checkCancellation()
                switch event {
                case .progress(let step, let total, let preview):
                    report(.step(id: id, step: step, total: total, preview: preview))
                case .completed(let image):
                    result = image
                }
            }
            try Task.checkCancellation()
            guard let result else { throw LibraryError.generatorUnavailable("the generator ended without a picture") }
            let item = try await commitResult(result, id: id, started: started, safety: safety)
            report(.finished(item))
        } catch {
            let cancelled = error is CancellationError || Task.isCancelled
            let reason = cancelled ? "cancelled" : "\(error)"
            let now = Date()
            _ = try? database.writeEvenIfCancelled { db in
                try db.execute(sql: """
                    UPDATE generation SET status = ?, error = ?, finished_at = ?, duration_ms = ?, modified_at = ?
                    WHERE id = ? AND status = 'running'
                    """, arguments: [cancelled ? "cancelled" : "failed", reason, now,
                                     Int(now.timeIntervalSince(started) * 1000), now, id])
            }
            if cancelled { throw LibraryError.cancelled(id: id) }
            if error is StoreError { throw error }
            throw LibraryError.generationFailed(id: id, reason: reason)
        }
    }

    /// Encodes the picture with its metadata, stores it and marks the row succeeded, in one commit.
    private func commitResult(_ result: GeneratedImage, id: String, started: Date,
                              safety: SafetyConfiguration) async throws -> GalleryItem {
        let flags = safety.flags(for: result.image, generationID: id)
        var row = try await database.read { db in try GenerationRecord.fetchOne(db, key: id)! }
        row.modelHash = result.modelHash
        row.modelID = result.modelID
        row.engineVersion = result.engineVersion
        row.rngKind = result.rngKind
        row.schedulerConfig = result.schedulerConfig
        let metadata = GenerationMetadata(row)
        let png = try PNGCodec.encode(result.image, textChunks: metadata.pngTextChunks(includePrompt: true))
        let finishedRow = row
        return try await storePicture(png: png, pixels: result.image) { db, image in
            var done = finishedRow
            let now = Date()
            done.status = .succeeded
            done.imageHash = image.hash
            done.finishedAt = now
            done.durationMs = Int(now.timeIntervalSince(started) * 1000)
            done.metadataSource = GenerationMetadata.Source.darkroom.rawValue
            done.metadataJSON = metadata.storedJSON
            done.modifiedAt = now
            try done.update(db)
            for flag in flags { try flag.insert(db) }
            return try GalleryItem.load([done], db)[0]
        }
    }

    /// Rejects parameters no generator could honour, before anything is recorded.
    static func validate(_ request: GenerationRequest) throws {
        guard !request.prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw LibraryError.invalidArgument("The prompt is empty: say what the picture should show.")
        }
        guard (1...1000).contains(request.steps) else {
            throw LibraryError.invalidArgument("Steps must be between 1 and 1000; got \(request.steps).")
        }
        guard request.guidance.isFinite, request.guidance >= 0, request.guidance <= 50 else {
            throw LibraryError.invalidArgument("Guidance must be between 0 and 50; got \(request.guidance).")
        }
        guard request.width > 0, request.height > 0, request.width <= 4096, request.height <= 4096 else {
            throw LibraryError.invalidArgument("Size must be between 1x1 and 4096x4096; got \(request.width)x\(request.height).")
        }
    }
}
