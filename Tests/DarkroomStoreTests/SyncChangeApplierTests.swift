@testable import DarkroomLibrarySync
import Foundation
import GRDB
import Testing
@testable import DarkroomStore

/// The applier's bulk path for whole generations gives what the change-by-change path gives.
@Suite struct SyncChangeApplierTests {
    static let columns = "id, prompt, negative_prompt, seed, favorite, rating, parent_id, created_at, modified_at"

    /// Two libraries with sync logging on, as devices `a` and `b`.
    static func pair(_ folder: TemporaryFolder) throws -> (LibraryDatabase, LibraryDatabase) {
        let a = try LibraryDatabase.open(folder: folder.url.appendingPathComponent("a"), create: true)
        let b = try LibraryDatabase.open(folder: folder.url.appendingPathComponent("b"), create: true)
        try a.write { db in try SyncChangeLog.enable(device: "a", db) }
        try b.write { db in try SyncChangeLog.enable(device: "b", db) }
        return (a, b)
    }

    /// Where a batch's whole new generations are laid out as rows.
    enum Layout: CaseIterable {
        /// By the applier, on the writer.
        case onTheWriter
        /// Beforehand, as a sync run does while the writer applies the batch before.
        case beforehand
        /// Beforehand, for columns the schema does not have (laid out again on the writer).
        case forOtherColumns
    }

    static func apply(_ changes: [SyncChange], to database: LibraryDatabase, sequence: Int64 = 1,
                      layout: Layout = .onTheWriter) throws -> SyncApplyReport {
        let prepared: PreparedGenerations?
        switch layout {
        case .onTheWriter: prepared = nil
        case .beforehand: prepared = PreparedGenerations(changes, syncedColumns: try database.read(SyncChangeApplier.syncedGenerationColumns))
        case .forOtherColumns:
            prepared = PreparedGenerations(changes, syncedColumns: try database.read(SyncChangeApplier.syncedGenerationColumns).filter { $0 != "seed" })
        }
        return try database.write { db in try SyncChangeApplier.apply(changes, prepared: prepared, fromLog: "a", sequence: sequence, db) }
    }

    @Test(arguments: Layout.allCases) func newGenerationsArriveWithPromptsSearchAndClocks(layout: Layout) throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let (a, b) = try Self.pair(folder)
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        try insertGeneration(a, prompt: "a red circle", seed: 1, created: created)
        try insertGeneration(a, prompt: "a red circle", seed: 2, created: created.addingTimeInterval(5)) { $0.favorite = true; $0.rating = 4 }
        try insertGeneration(a, prompt: "", seed: 3, created: created)
        try insertGeneration(a, prompt: "", seed: 4, created: created) { $0.negativePrompt = "blurry heron" }
        let tombstoned = try insertGeneration(a, prompt: "gone", seed: 5, created: created)
        let changes = try a.read { db in try SyncChangeLog.pendingChanges(limit: 100, db) }
        #expect(changes.count == 5)
        try b.write { db in
            try db.execute(sql: "INSERT INTO sync_change (entity, key, field, clock, device) VALUES ('generation', ?, '-', 1, 'c')", arguments: [tombstoned.id])
        }

        let report = try Self.apply(changes, to: b, layout: layout)
        #expect(report.applied == 4 && report.ignoredDeleted == 1 && report.deferred == 0)
        let sql = "SELECT \(Self.columns) FROM generation WHERE id <> ? ORDER BY seed"
        // Rows are not Sendable: compared as their text (every column's name and value).
        let applied = try b.read { try Row.fetchAll($0, sql: sql, arguments: [tombstoned.id]).map(\.description) }
        let original = try a.read { try Row.fetchAll($0, sql: sql, arguments: [tombstoned.id]).map(\.description) }
        #expect(applied.count == 4)
        #expect(applied == original)
        try b.read { db in
            let prompts = try Row.fetchAll(db, sql: "SELECT text, negative_text, use_count, first_used_at, last_used_at FROM prompt ORDER BY text, negative_text")
            #expect(prompts.map { $0["text"] as String } == ["", "a red circle"])
            #expect(prompts.map { $0["use_count"] as Int } == [1, 2])
            #expect(prompts[1]["first_used_at"] as String == TimestampFormat.database(created))
            #expect(prompts[1]["last_used_at"] as String == TimestampFormat.database(created.addingTimeInterval(5)))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM generation WHERE prompt_id IS NULL") == 1)   // seed 3: no prompt at all
            #expect(try Int.fetchOne(db, sql: """
                SELECT count(*) FROM generation JOIN prompt ON prompt.id = generation.prompt_id
                WHERE prompt.text = generation.prompt AND prompt.negative_text = generation.negative_prompt
                """) == 3)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM generation_search WHERE generation_search MATCH 'circle'") == 2)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM generation_search WHERE generation_search MATCH 'heron'") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sync_change WHERE entity = 'generation' AND field = '*' AND device = 'a' AND pending = 0") == 4)
            #expect(try SyncChangeLog.pendingCount(db) == 0)
        }
        // The writer connection's staging table is left empty.
        #expect(try b.write { try Int.fetchOne($0, sql: "SELECT count(*) FROM temp.sync_apply_generation") } == 0)
        #expect(try b.integrityProblems().isEmpty)

        // Again: nothing changes.
        let again = try Self.apply(changes, to: b, sequence: 2, layout: layout)
        #expect(again.applied == 0 && again.superseded == 4 && again.ignoredDeleted == 1)
        #expect(try b.read { try Int.fetchOne($0, sql: "SELECT sum(use_count) FROM prompt") } == 3)
    }

    /// A batch whose prompts are partly in the library already: every row points at the
    /// prompt row with its text (the staged prompt ids serve only when all prompts were new).
    @Test func promptsAlreadyInTheLibraryKeepTheirRows() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let (a, b) = try Self.pair(folder)
        let existing = try b.write { db in try PromptRecord.recordUse(text: "a red circle", negativeText: "", at: Date(), db) }
        try insertGeneration(a, prompt: "a red circle", seed: 1)
        try insertGeneration(a, prompt: "a blue square", seed: 2)
        try insertGeneration(a, prompt: "a red circle", seed: 3)
        let changes = try a.read { db in try SyncChangeLog.pendingChanges(limit: 100, db) }

        #expect(try Self.apply(changes, to: b, layout: .beforehand).applied == 3)
        try b.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT generation.seed, prompt.id, prompt.use_count FROM generation JOIN prompt ON prompt.id = generation.prompt_id
                WHERE prompt.text = generation.prompt ORDER BY generation.seed
                """)
            #expect(rows.map { $0[0] as Int } == [1, 2, 3])
            #expect(rows[0][1] as PromptID == existing && rows[2][1] as PromptID == existing)
            #expect(rows.map { $0[2] as Int } == [3, 1, 3])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM prompt") == 2)
        }
        #expect(try b.integrityProblems().isEmpty)
    }

    @Test func parentsKeptOnlyWhenHeldAndMissingPicturesDefer() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let (a, b) = try Self.pair(folder)
        let parent = try insertGeneration(a, prompt: "parent", seed: 1)
        let before = try insertGeneration(a, prompt: "child before", seed: 2) { $0.parentID = parent.id }
        let after = try insertGeneration(a, prompt: "child after", seed: 3) { $0.parentID = parent.id }
        let all = try a.read { db in try SyncChangeLog.pendingChanges(limit: 100, db) }
        func change(_ id: GenerationID) -> SyncChange { all.first { $0.key == id.rawValue }! }
        var withPicture = change(after.id)
        withPicture.key = "00000000-0000-4000-8000-000000000001"
        withPicture.values["image_hash"] = String(repeating: "ab", count: 32).databaseValue

        // Change by change, a child whose parent comes later in the batch loses the link.
        let report = try Self.apply([change(before.id), change(parent.id), change(after.id), withPicture], to: b)
        #expect(report.applied == 3 && report.deferred == 1)
        let parents = try b.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, parent_id FROM generation").map { ($0["id"] as GenerationID, $0["parent_id"] as GenerationID?) })
        }
        #expect(parents == [parent.id: nil, before.id: nil, after.id: parent.id])
        #expect(try b.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sync_deferred") } == 1)
        #expect(try b.integrityProblems().isEmpty)
    }
}
