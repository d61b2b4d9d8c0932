import Foundation
import GRDB

/// One job (or one imported picture): what was asked for and what came out.
///
/// Every job gets a row, failed and cancelled ones too. A generated or
/// imported picture is referenced by ``imageHash``.
public struct GenerationRecord: SnakeCaseRecord, Sendable, Equatable, Identifiable {
    public static let databaseTableName = "generation"

    /// Where a row came from.
    public enum Source: String, Codable, Sendable { case generate, `import` }

    /// A job's state. `queued` → `running` → one of the three final states.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case queued, running, succeeded, failed, cancelled
        /// True for `succeeded`, `failed` and `cancelled`.
        public var isFinal: Bool { self != .queued && self != .running }
    }

    /// Stable random id.
    public var id: GenerationID
    /// `generate` for jobs, `import` for pictures brought in from files.
    public var source: Source
    /// The prompt history row, when the prompt is known.
    public var promptID: PromptID?
    /// Prompt text.
    public var prompt: String
    /// Negative prompt text ('' when none).
    public var negativePrompt: String
    /// Noise seed.
    public var seed: Int64?
    /// Denoising steps.
    public var steps: Int?
    /// Classifier-free guidance scale.
    public var guidance: Double?
    /// Scheduler name (`dpmpp-2m`, `ddim`, …).
    public var scheduler: String?
    /// The effective scheduler configuration, as JSON.
    public var schedulerConfig: String?
    /// Output width in pixels.
    public var width: Int?
    /// Output height in pixels.
    public var height: Int?
    /// The model's name or folder.
    public var modelID: String?
    /// Content hash of the model weights.
    public var modelHash: String?
    /// The model folder on this device (what a queued job loads).
    public var modelPath: String?
    /// For variations: the second seed whose noise is mixed into the initial noise.
    public var variationSeed: Int64?
    /// For variations: how much of the second seed's noise (0–1).
    public var variationStrength: Double?
    /// The engine version that ran the job.
    public var engineVersion: String?
    /// The kind of random number generator used for the initial noise.
    public var rngKind: String?
    /// What the job started from besides its prompt, as JSON (schema step 0011; nil for text-to-image): the facade's
    /// `GenerationInputs`.
    public var inputs: String?
    /// Job state.
    public var status: Status
    /// Why the job failed or was cancelled.
    public var error: String?
    /// When the job was recorded.
    public var queuedAt: Date
    /// When it started running.
    public var startedAt: Date?
    /// When it reached a final state.
    public var finishedAt: Date?
    /// Run time in milliseconds.
    public var durationMs: Int?
    /// The generation this one varies or re-runs.
    public var parentID: GenerationID?
    /// Jobs made together share a batch id.
    public var batchID: String?
    /// Position in the batch (seed offset).
    public var batchIndex: Int?
    /// The device that ran (or imported) it.
    public var deviceID: String?
    /// The picture, once there is one.
    public var imageHash: String?
    /// For imports: which program's metadata was found (`automatic1111`, `comfyui`, …).
    public var metadataSource: String?
    /// The full parsed or written metadata, as JSON.
    public var metadataJSON: String?
    /// Marked as a favourite.
    public var favorite: Bool
    /// 0 (unrated) to 5.
    public var rating: Int
    /// When it was moved to the trash (nil when live).
    public var trashedAt: Date?
    /// Row creation time.
    public var createdAt: Date
    /// Last change time.
    public var modifiedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, source, promptID = "promptId", prompt, negativePrompt, seed, steps, guidance, scheduler,
             schedulerConfig, width, height, modelID = "modelId", modelHash, modelPath, variationSeed, variationStrength, engineVersion, rngKind, inputs, status,
             error, queuedAt, startedAt, finishedAt, durationMs, parentID = "parentId", batchID = "batchId",
             batchIndex, deviceID = "deviceId", imageHash, metadataSource, metadataJSON = "metadataJson",
             favorite, rating, trashedAt, createdAt, modifiedAt
    }

    /// A new row with fresh id and timestamps; everything else empty.
    public static func make(source: Source, status: Status, now: Date = Date()) -> GenerationRecord {
        GenerationRecord(
            id: GenerationID(StableID.make()), source: source, promptID: nil, prompt: "", negativePrompt: "", seed: nil, steps: nil,
            guidance: nil, scheduler: nil, schedulerConfig: nil, width: nil, height: nil, modelID: nil, modelHash: nil,
            modelPath: nil, variationSeed: nil, variationStrength: nil, engineVersion: nil, rngKind: nil, inputs: nil, status: status, error: nil, queuedAt: now, startedAt: nil,
            finishedAt: nil, durationMs: nil, parentID: nil, batchID: nil, batchIndex: nil, deviceID: nil,
            imageHash: nil, metadataSource: nil, metadataJSON: nil, favorite: false, rating: 0, trashedAt: nil,
            createdAt: now, modifiedAt: now)
    }
}

extension GenerationRecord {
    /// The columns requests filter and order on (snake_case, as ``SnakeCaseRecord`` maps them).
    public enum Columns {
        static let parentID = Column("parent_id")
        static let createdAt = Column("created_at")
    }

    /// The row with id `id`, through a statement prepared once per connection (GRDB's
    /// `fetchOne(_:key:)` prepares its statement on every call, a measurable share of a queued job).
    public static func find(id: GenerationID, _ db: Database) throws -> GenerationRecord? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM generation WHERE id = ?"), arguments: [id])
    }
}

extension GenerationRecord {
    /// Decodes a row by column name directly: the gallery decodes many rows per page, and GRDB's Codable path
    /// (snake-case key conversion, `Calendar` dates) costs far more per row on Linux.
    public init(row: Row) throws {
        func date(_ column: String) -> Date? { (row[column] as String?).flatMap(TimestampFormat.parseDatabase) }
        func required(_ column: String) throws -> Date {
            guard let value = date(column) else {
                throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "generation.\(column) is not a timestamp")
            }
            return value
        }
        id = row["id"]
        source = Source(rawValue: row["source"] ?? "") ?? .generate
        promptID = row["prompt_id"]
        prompt = row["prompt"] ?? ""
        negativePrompt = row["negative_prompt"] ?? ""
        seed = row["seed"]
        steps = row["steps"]
        guidance = row["guidance"]
        scheduler = row["scheduler"]
        schedulerConfig = row["scheduler_config"]
        width = row["width"]
        height = row["height"]
        modelID = row["model_id"]
        modelHash = row["model_hash"]
        modelPath = row["model_path"]
        variationSeed = row["variation_seed"]
        variationStrength = row["variation_strength"]
        engineVersion = row["engine_version"]
        rngKind = row["rng_kind"]
        inputs = row["inputs"]
        status = Status(rawValue: row["status"] ?? "") ?? .failed
        error = row["error"]
        queuedAt = try required("queued_at")
        startedAt = date("started_at")
        finishedAt = date("finished_at")
        durationMs = row["duration_ms"]
        parentID = row["parent_id"]
        batchID = row["batch_id"]
        batchIndex = row["batch_index"]
        deviceID = row["device_id"]
        imageHash = row["image_hash"]
        metadataSource = row["metadata_source"]
        metadataJSON = row["metadata_json"]
        favorite = row["favorite"] ?? false
        rating = row["rating"] ?? 0
        trashedAt = date("trashed_at")
        createdAt = try required("created_at")
        modifiedAt = try required("modified_at")
    }

    /// Every column with how to read it from a record: one list serves ``encode(to:)`` and the
    /// prepared insert, so they cannot disagree.
    static let columnValues: [(column: String, value: @Sendable (GenerationRecord) -> DatabaseValue)] = [
        ("id", { r in r.id.databaseValue }),
        ("source", { r in r.source.rawValue.databaseValue }),
        ("prompt_id", { r in r.promptID.databaseValue }),
        ("prompt", { r in r.prompt.databaseValue }),
        ("negative_prompt", { r in r.negativePrompt.databaseValue }),
        ("seed", { r in r.seed.databaseValue }),
        ("steps", { r in r.steps.databaseValue }),
        ("guidance", { r in r.guidance.databaseValue }),
        ("scheduler", { r in r.scheduler.databaseValue }),
        ("scheduler_config", { r in r.schedulerConfig.databaseValue }),
        ("width", { r in r.width.databaseValue }),
        ("height", { r in r.height.databaseValue }),
        ("model_id", { r in r.modelID.databaseValue }),
        ("model_hash", { r in r.modelHash.databaseValue }),
        ("model_path", { r in r.modelPath.databaseValue }),
        ("variation_seed", { r in r.variationSeed.databaseValue }),
        ("variation_strength", { r in r.variationStrength.databaseValue }),
        ("engine_version", { r in r.engineVersion.databaseValue }),
        ("rng_kind", { r in r.rngKind.databaseValue }),
        ("inputs", { r in r.inputs.databaseValue }),
        ("status", { r in r.status.rawValue.databaseValue }),
        ("error", { r in r.error.databaseValue }),
        ("queued_at", { r in TimestampFormat.database(r.queuedAt).databaseValue }),
        ("started_at", { r in r.startedAt.map(TimestampFormat.database).databaseValue }),
        ("finished_at", { r in r.finishedAt.map(TimestampFormat.database).databaseValue }),
        ("duration_ms", { r in r.durationMs.databaseValue }),
        ("parent_id", { r in r.parentID.databaseValue }),
        ("batch_id", { r in r.batchID.databaseValue }),
        ("batch_index", { r in r.batchIndex.databaseValue }),
        ("device_id", { r in r.deviceID.databaseValue }),
        ("image_hash", { r in r.imageHash.databaseValue }),
        ("metadata_source", { r in r.metadataSource.databaseValue }),
        ("metadata_json", { r in r.metadataJSON.databaseValue }),
        ("favorite", { r in r.favorite.databaseValue }),
        ("rating", { r in r.rating.databaseValue }),
        ("trashed_at", { r in r.trashedAt.map(TimestampFormat.database).databaseValue }),
        ("created_at", { r in TimestampFormat.database(r.createdAt).databaseValue }),
        ("modified_at", { r in TimestampFormat.database(r.modifiedAt).databaseValue }),
    ]

    /// Encodes the row column by column (the counterpart of ``init(row:)``), without Codable.
    public func encode(to container: inout PersistenceContainer) throws {
        for (column, value) in Self.columnValues { container[column] = value(self) }
    }

    /// Inserts the row with one statement prepared once per connection, and its full-text
    /// search entry, in the caller's transaction. GRDB's generic record insert builds a
    /// container and statement per call, which cost more than SQLite's own work.
    public func insert(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: Self.insertSQL)
        try statement.execute(arguments: StatementArguments(typed: Self.columnValues.map { $0.value(self) }))
        try didInsert(rowID: db.lastInsertedRowID, db)
    }

    private static let insertSQL = insertSQL(rows: 1)

    /// `INSERT INTO generation (every column) VALUES (?, …), …` for `rows` rows.
    private static func insertSQL(rows: Int) -> String {
        let tuple = "(" + Array(repeating: "?", count: columnValues.count).joined(separator: ", ") + ")"
        return "INSERT INTO generation (" + columnValues.map(\.column).joined(separator: ", ") + ") VALUES "
            + Array(repeating: tuple, count: rows).joined(separator: ", ")
    }

    /// Rows per statement in ``insertAll(_:_:)``.
    private static let rowsPerStatement = 16
    private static let batchInsertSQL = insertSQL(rows: rowsPerStatement)

    /// Inserts many rows in the caller's transaction, with their full-text entries and change-log
    /// entries: what ``insert(_:)`` does for each, at a fraction of the cost for large batches
    /// (imports, a first sync, the store benchmark).
    ///
    /// Rows go in 16 per statement; then one statement indexes them all for search and, when sync
    /// logging is on, one more logs the finished ones. New rows are found by rowid: SQLite gives a
    /// new row the largest rowid so far plus one, so every row of the batch has a rowid above the
    /// largest one before it. The per-row path interleaves three statements per row, and FTS5
    /// flushes its pending entries at every statement savepoint.
    public static func insertAll(_ records: [GenerationRecord], _ db: Database) throws {
        guard !records.isEmpty else { return }
        let before = try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(rowid), 0) FROM generation")) ?? 0
        var values: [DatabaseValue] = []
        values.reserveCapacity(rowsPerStatement * columnValues.count)
        var start = records.startIndex
        while start < records.endIndex {
            let end = min(start + rowsPerStatement, records.endIndex)
            values.removeAll(keepingCapacity: true)
            for record in records[start..<end] {
                for column in columnValues { values.append(column.value(record)) }
            }
            let sql = end - start == rowsPerStatement ? batchInsertSQL : insertSQL(rows: end - start)
            try BulkStatement(db.cachedStatement(sql: sql), db).execute(values)
            start = end
        }
        try db.cachedStatement(sql: """
            INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
            SELECT rowid, prompt, negative_prompt, '', '' FROM generation WHERE rowid > ?
            """).execute(arguments: [before])
        if try SyncCapture.isLogging(db) {
            try db.cachedStatement(sql: """
                INSERT INTO sync_change_input SELECT 'generation', id, '*' FROM generation
                WHERE rowid > ? AND status IN ('succeeded', 'failed', 'cancelled') ORDER BY rowid
                """).execute(arguments: [before])
        }
    }

    /// Inserts the row, its full-text search entry and its change-log entry in the same transaction.
    public func aroundInsert(_ db: Database, insert: () throws -> InsertionSuccess) throws {
        let inserted = try insert()
        try didInsert(rowID: inserted.rowID, db)
    }

    /// What every insert of a generation does after the row itself, instead of insert triggers
    /// (schema steps 0005 and 0007: a trigger on `generation` cost more than the row): adds the
    /// row to the full-text index and, once the job is finished, records it in the sync change log
    /// through `sync_change_input`, whose trigger keeps the gate (logging on, not applying another
    /// device's changes) and the clock. Queued and running jobs are logged when they finish
    /// (the `sync_generation_finish` update trigger).
    ///
    /// The gate is read first and the write into `sync_change_input` skipped when logging is off:
    /// that statement opens a statement savepoint, and FTS5 flushes its pending entries into a new
    /// segment at every savepoint, so in a transaction of many inserts it would turn each row's
    /// full-text entry into a segment of its own (measured: 84 µs per row instead of 42).
    private func didInsert(rowID: Int64, _ db: Database) throws {
        try Self.indexForSearch(rowID: rowID, prompt: prompt, negativePrompt: negativePrompt, db)
        if status.isFinal, try SyncCapture.isLogging(db) {
            try db.cachedStatement(sql: "INSERT INTO sync_change_input VALUES ('generation', ?, '*')").execute(arguments: [id])
        }
    }

    /// Adds a new generation's row to the full-text index (tags and albums are filled by triggers
    /// as they are added). Every insert of a generation calls it in the same transaction.
    package static func indexForSearch(rowID: Int64, prompt: String, negativePrompt: String, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums) VALUES (?, ?, ?, '', '')
            """).execute(arguments: [rowID, prompt, negativePrompt])
    }
}
