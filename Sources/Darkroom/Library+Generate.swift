import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import Foundation

/// What a generation reports while it runs.
public enum GenerationProgress: Sendable {
    /// The job row is recorded with this id and is running.
    case started(id: GenerationID)
    /// Step `step` of `total` done.
    case step(id: GenerationID, step: Int, total: Int, preview: PixelImage?)
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

extension GenerationRequest {
    /// The request a stored job describes (to run a queued job, re-run or verify one). What the row
    /// leaves out (an imported picture whose tool did not say) is the built-in default
    /// (``GenerationDefaults``), the same a new generation gets.
    ///
    /// - Throws: ``LibraryError/unknownScheduler(name:)`` when the row names a scheduler the engine does
    ///   not have (A1111's names are read as the engine's kinds).
    public init(_ row: GenerationRecord) throws {
        let defaults = GenerationDefaults()
        var scheduler = defaults.scheduler
        if let name = row.scheduler {
            guard let kind = SchedulerKind(rawValue: name) ?? SamplerNames.schedulerKind(forA1111Name: name).flatMap(SchedulerKind.init(rawValue:)) else {
                throw LibraryError.unknownScheduler(name: name)
            }
            scheduler = kind
        }
        self.init(prompt: row.prompt, negativePrompt: row.negativePrompt, seed: UInt64(bitPattern: row.seed ?? 0),
                  steps: row.steps ?? defaults.steps, guidance: row.guidance ?? defaults.guidance,
                  scheduler: scheduler,
                  width: row.width ?? defaults.width, height: row.height ?? defaults.height,
                  variationSeed: row.variationSeed.map { UInt64(bitPattern: $0) }, variationStrength: row.variationStrength,
                  inputs: GenerationInputs(storedJSON: row.inputs))
    }
}

extension Library {
    /// Runs one generation job through `generator` and stores the result, as a stream of progress.
    ///
    /// The job is recorded as `running` before the generator starts (held by a job lock, so a later
    /// process can tell if this one died). The picture — a PNG carrying A1111 `parameters` and
    /// Darkroom's JSON metadata — and the finished row are committed together. A failure or
    /// cancellation is recorded on the row with its reason, and the stream ends with
    /// ``LibraryError/generationFailed(id:reason:)`` or ``LibraryError/cancelled(id:)``; no file is left.
    public func generate(_ request: GenerationRequest, using generator: any ImageGenerator,
                         parentID: GenerationID? = nil, batch: BatchPosition? = nil) -> AsyncThrowingStream<GenerationProgress, any Error> {
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

    /// Runs one generation job to its end, reporting progress; see ``generate(_:using:parentID:batch:)``.
    ///
    /// Cancel the calling task to cancel the job: this returns only once the row says `cancelled`
    /// (throwing ``LibraryError/cancelled(id:)``), so a process may exit right after.
    public func runGeneration(_ request: GenerationRequest, using generator: any ImageGenerator,
                              parentID: GenerationID? = nil, batch: BatchPosition? = nil, modelPath: String? = nil,
                              progress: @Sendable (GenerationProgress) -> Void) async throws -> GalleryItem {
        try Self.validate(request)
        try await checkPrompt(request.prompt)
        _ = try await credentialsSigner()   // a picture that cannot be signed is refused before any work
        // The slot names the row before the row exists: another process that finds the row `running`
        // also finds its id in a held slot, so it never takes this job for one whose process died.
        let id = GenerationID(StableID.make())
        let slot = try jobSlots.acquire(note: id.rawValue)
        defer { slot.release() }
        let started = Date()
        // The running row is flushed by the job's final commit (see `writeFlushedLater`).
        var job = jobRow(request, id: id, status: .running, modelID: generator.modelID, modelPath: modelPath,
                         parentID: parentID ?? request.inputs?.initImage?.generationID, batch: batch, now: started)
        job.startedAt = started
        let row = try await database.insertRunningJob(job)
        return try await execute(row, request: request, generator: generator, started: started, progress: progress)
    }

    /// Records jobs without running them (`generate --queue`): `count` jobs with seeds `seed`, `seed+1`, …
    /// sharing one batch id (when `count > 1`). Returns their ids in seed order.
    public func enqueue(_ request: GenerationRequest, count: Int = 1, modelID: String, modelPath: String?,
                        parentID: GenerationID? = nil) async throws -> [GenerationID] {
        try Self.validate(request)
        guard (1...1000).contains(count) else { throw LibraryError.invalidArgument("A batch makes between 1 and 1000 pictures; got \(count).") }
        try await checkPrompt(request.prompt)
        let batchID = count > 1 ? StableID.make() : nil
        let now = Date()
        let jobs = (0..<count).map { index in
            var item = request
            item.seed = request.seed &+ UInt64(index)
            return jobRow(item, status: .queued, modelID: modelID, modelPath: modelPath, parentID: parentID ?? item.inputs?.initImage?.generationID,
                          batch: batchID.map { BatchPosition(id: $0, index: index) }, now: now.addingTimeInterval(Double(index) * 0.001))
        }
        return try await database.insertJobs(jobs).map(\.id)
    }

    /// The queue: queued jobs oldest first, then running ones.
    public func queuedJobs() async throws -> [GenerationRecord] {
        try await database.queuedJobs()
    }

    /// Runs the queued job `id` (oldest first when nil). Returns nil when the queue is empty.
    ///
    /// The job is claimed atomically (`queued` → `running`), so two processes never run the same job.
    public func runQueuedJob(_ id: GenerationID? = nil, using generator: any ImageGenerator,
                             progress: @Sendable (GenerationProgress) -> Void) async throws -> GalleryItem? {
        // The slot is taken first and names the job inside the claiming transaction, so a job is never
        // `running` without a held slot naming it (see RecoveryReport.failInterruptedJobs).
        let slot = try jobSlots.acquire(note: "")
        defer { slot.release() }
        let started = Date()
        let claim = try await database.claimQueuedJob(id, at: started) { try slot.update(note: $0.rawValue) }
        let claimed: GenerationRecord
        switch claim {
        case .empty: return nil
        case .notQueued(let id, let status): throw LibraryError.invalidArgument("Job \(id.prefix(8)) is not queued (it is \(status.rawValue)).")
        case .claimed(let row): claimed = row
        }
        return try await execute(claimed, request: try GenerationRequest(claimed), generator: generator, started: started, progress: progress)
    }

    /// Cancels queued jobs. A job running in another process is left alone (cancel it there with Ctrl-C).
    /// Returns the ids cancelled.
    @discardableResult
    public func cancelQueued(_ ids: [GenerationID]) async throws -> [GenerationID] {
        try await database.cancelQueued(ids, reason: "cancelled before it ran")
    }

    /// Cancels every queued job. Returns how many.
    @discardableResult
    public func clearQueue() async throws -> Int {
        try await database.cancelAllQueued(reason: "cancelled before it ran (queue cleared)")
    }

    /// Queues a failed or cancelled job again as a new job (its parent is the old one). Returns the new ids.
    @discardableResult
    public func retry(_ ids: [GenerationID]) async throws -> [GenerationID] {
        try await database.retryJobs(ids) { [self] old in
            guard old.status == .failed || old.status == .cancelled, old.source == .generate else {
                throw LibraryError.invalidArgument("Only failed or cancelled jobs can be retried; \(old.id.prefix(8)) is \(old.status.rawValue).")
            }
            return jobRow(try GenerationRequest(old), status: .queued, modelID: old.modelID ?? "", modelPath: old.modelPath,
                          parentID: old.id, batch: nil, now: Date())
        }
    }

    // MARK: - Internals

    /// A job row for `request` on this device (the store records its prompt's use when it inserts it).
    /// `id` is the row's id when the caller already named the job (in its job slot); a new one otherwise.
    func jobRow(_ request: GenerationRequest, id: GenerationID? = nil, status: GenerationRecord.Status, modelID: String, modelPath: String?,
                parentID: GenerationID?, batch: BatchPosition?, now: Date) -> GenerationRecord {
        var row = GenerationRecord.make(source: .generate, status: status, now: now)
        if let id { row.id = id }
        row.prompt = request.prompt
        row.negativePrompt = request.negativePrompt
        row.seed = Int64(bitPattern: request.seed)
        row.steps = request.steps
        row.guidance = request.guidance
        row.scheduler = request.scheduler.rawValue
        row.width = request.width
        row.height = request.height
        row.variationSeed = request.variationSeed.map { Int64(bitPattern: $0) }
        row.variationStrength = request.variationStrength
        row.inputs = request.inputs?.storedJSON
        row.modelID = modelID
        row.modelPath = modelPath
        row.parentID = parentID
        row.batchID = batch?.id
        row.batchIndex = batch?.index
        row.deviceID = info.deviceID
        return row
    }

    /// Runs a `running` row through the generator and commits the result or records the failure.
    private func execute(_ row: GenerationRecord, request: GenerationRequest, generator: any ImageGenerator, started: Date,
                         progress: @Sendable (GenerationProgress) -> Void) async throws -> GalleryItem {
        let id = row.id
        progress(.started(id: id))
        do {
            let safety = try await safetyConfiguration()
            let request = try await withInputPixels(request)
            var result: GeneratedImage?
            for try await event in generator.generate(request) {
                try Task.checkCancellation()
                switch event {
                case .progress(let step, let total, let preview):
                    progress(.step(id: id, step: step, total: total, preview: preview))
                case .completed(let image):
                    result = image
                }
            }
            try Task.checkCancellation()
            guard let result else { throw LibraryError.generatorUnavailable("the generator ended without a picture") }
            let item = try await commitResult(result, row: row, started: started, safety: safety)
            progress(.finished(item))
            return item
        } catch {
            let cancelled = error is CancellationError || Task.isCancelled
            let reason = cancelled ? "cancelled" : "\(error)"
            let now = Date()
            try? database.endRunningJob(id, status: cancelled ? .cancelled : .failed, reason: reason, started: started, now: now)
            if cancelled { throw LibraryError.cancelled(id: id) }
            if error is StoreError { throw error }
            throw LibraryError.generationFailed(id: id, reason: reason)
        }
    }

    /// Encodes the picture with its metadata, stores it, marks the row succeeded and stores any safety flags, in one commit.
    private func commitResult(_ result: GeneratedImage, row original: GenerationRecord, started: Date,
                              safety: SafetyConfiguration) async throws -> GalleryItem {
        var row = original
        row.modelHash = result.modelHash
        row.modelID = result.modelID
        row.engineVersion = result.engineVersion
        row.rngKind = result.rngKind
        row.schedulerConfig = result.schedulerConfig
        let flags = safety.flags(for: result.image, generationID: row.id)
        let metadata = GenerationMetadata(row)
        let encoded = try PNGCodec.encode(result.image, textChunks: metadata.pngTextChunks(includePrompt: true))
        let includePrompt = try await credentialsConfiguration().includePrompt
        let png = try await signedPicture(encoded, for: row, includePrompt: includePrompt)
        let credentials = Self.stored(await credentials(ofFile: png))
        let now = Date()
        row.status = .succeeded
        row.finishedAt = now
        row.durationMs = Int(now.timeIntervalSince(started) * 1000)
        row.metadataSource = GenerationMetadata.Source.darkroom.rawValue
        row.metadataJSON = metadata.storedJSON
        row.modifiedAt = now
        guard case .finished(let item) = try await storePicture(png: png, pixels: result.image, credentials: credentials,
                                                                with: .finishedJob(row, flags: flags)) else {
            preconditionFailure("a finished job's commit returns its item")
        }
        return item
    }

    /// Rejects parameters no generator could honour, before anything is recorded.
    static func validate(_ request: GenerationRequest) throws {
        guard !request.prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw LibraryError.invalidArgument("The prompt is empty: say what the picture should show.")
        }
        if let violation = TextLimits.violation(prompt: request.prompt, negativePrompt: request.negativePrompt) {
            throw LibraryError.invalidArgument(violation.description)
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
        if let strength = request.variationStrength, !(0...1).contains(strength) {
            throw LibraryError.invalidArgument("Variation strength must be between 0 and 1; got \(strength).")
        }
    }
}
