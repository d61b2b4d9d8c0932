import Foundation
import GRDB
import Testing
@testable import DarkroomStore

@Suite struct MigrationTests {
    @Test func migrationsAreReadFromSchemaFilesInOrder() throws {
        let migrations = try SchemaMigrations()
        #expect(migrations.steps.map(\.identifier) == ["0001_initial", "0002_search", "0003_safety", "0004_queue", "0005_search_direct", "0006_sync", "0007_sync_log_direct", "0008_sync_finished_wins", "0009_pixel_hash", "0010_credentials", "0011_generation_inputs", "0012_device_credentials", "0013_sync_capture"])
        #expect(migrations.steps[0].sql.contains("CREATE TABLE generation"))
    }

    @Test func emptyDatabaseMigratesToLatest() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        #expect(try database.appliedMigrations() == ["0001_initial", "0002_search", "0003_safety", "0004_queue", "0005_search_direct", "0006_sync", "0007_sync_log_direct", "0008_sync_finished_wins", "0009_pixel_hash", "0010_credentials", "0011_generation_inputs", "0012_device_credentials", "0013_sync_capture"])
        let tables = try database.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        for table in ["prompt", "generation", "image", "album", "album_item", "tag", "generation_tag", "setting", "generation_search"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        let info = try database.read { db in try LibraryInfo.fetchOne(db) }
        #expect(info != nil)
        #expect(try database.integrityProblems().isEmpty)
    }

    @Test func thereIsAFixtureForEveryEarlierVersion() throws {
        let count = try SchemaMigrations().steps.count
        for version in 1..<count {
            #expect(FileManager.default.fileExists(atPath: fixturesFolder.appendingPathComponent("schema/library-v\(version).sqlite").path),
                    "run Fixtures/schema/make-fixtures.sh")
        }
    }

    @Test(arguments: 1...12)
    func earlierVersionFixtureUpgradesWithoutLoss(version: Int) throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        try FileManager.default.copyItem(at: fixturesFolder.appendingPathComponent("schema/library-v\(version).sqlite"),
                                         to: folder.url.appendingPathComponent(LibraryDatabase.fileName))
        let database = try LibraryDatabase.open(folder: folder.url)
        #expect(try database.appliedMigrations() == ["0001_initial", "0002_search", "0003_safety", "0004_queue", "0005_search_direct", "0006_sync", "0007_sync_log_direct", "0008_sync_finished_wins", "0009_pixel_hash", "0010_credentials", "0011_generation_inputs", "0012_device_credentials", "0013_sync_capture"])
        try database.read { (db: Database) throws in
            #expect(try GenerationRecord.fetchCount(db) == 2)
            #expect(try LibraryInfo.fetchOne(db)?.libraryID == "aaaaaaaa-0000-4000-8000-000000000001")
            // The search index was backfilled with version-1 rows, their tags and albums.
            #expect(try GalleryQuery(text: "lighthouse").fetchCount(db) == 2)
            #expect(try GalleryQuery(text: "seascape").fetchGenerations(db).map(\.seed) == [42])
            #expect(try GalleryQuery(text: "harbour").fetchGenerations(db).map(\.seed) == [43])
            #expect(try GenerationRecord.fetchOne(db, key: "11111111-0000-4000-8000-000000000001")?.rating == 4)
        }
    }

    /// Step 0013 replaces the hand-written capture triggers of a library made before it (the v12 fixture
    /// carries them) with the generated ones: the same triggers a new library has, one per declared capture.
    @Test func theGeneratedCaptureTriggersReplaceTheHandWrittenOnes() throws {
        func triggers(_ database: LibraryDatabase) throws -> [String: String] {
            try database.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                    .map { ($0["name"] as String, $0["sql"] as String) })
            }
        }
        let upgraded = try TemporaryFolder(), fresh = try TemporaryFolder()
        defer { upgraded.cleanup(); fresh.cleanup() }
        let v12 = fixturesFolder.appendingPathComponent("schema/library-v12.sqlite")
        let before = try DatabaseQueue(path: v12.path).read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync\\_%' ESCAPE '\\'")
        }
        #expect(before.contains { $0.contains("VALUES ('generation', NEW.id, 'favorite')") })   // written out by hand
        try FileManager.default.copyItem(at: v12, to: upgraded.url.appendingPathComponent(LibraryDatabase.fileName))
        let after = try triggers(LibraryDatabase.open(folder: upgraded.url))
        #expect(after == (try triggers(LibraryDatabase.open(folder: fresh.url, create: true))))
        let captures = after.filter { $0.key.hasPrefix("sync_") && $0.key != "sync_change_input_insert" }
        #expect(captures.count == SyncCapture.all.count && captures.count == before.count - 1)
        #expect(captures.values.allSatisfy { $0.contains("INSERT INTO sync_change_input SELECT") })
    }

    @Test func newerSchemaIsRefusedAndLeftUntouched() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        _ = try LibraryDatabase.open(folder: folder.url, create: true)
        let file = folder.url.appendingPathComponent(LibraryDatabase.fileName)
        let queue = try DatabaseQueue(path: file.path)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('0099_future')") }
        try queue.close()
        let before = try Data(contentsOf: file)
        #expect(throws: StoreError.newerSchema(path: file.path, unknownMigrations: ["0099_future"])) {
            try LibraryDatabase.open(folder: folder.url)
        }
        #expect(try Data(contentsOf: file) == before)
    }

    @Test func corruptDatabaseFileGetsAClearError() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let file = folder.url.appendingPathComponent(LibraryDatabase.fileName)
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
        try garbage.write(to: file)
        do {
            _ = try LibraryDatabase.open(folder: folder.url)
            Issue.record("opening garbage should fail")
        } catch let error as StoreError {
            guard case .corruptDatabase = error else { Issue.record("wrong error \(error)"); return }
            #expect("\(error)".contains("damaged"))
        }
        #expect(try Data(contentsOf: file) == garbage, "the damaged file must not be modified")
    }

    @Test func missingLibraryIsReportedNotCreated() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let target = folder.url.appendingPathComponent("nope")
        #expect(throws: StoreError.libraryNotFound(path: target.path)) { try LibraryDatabase.open(folder: target) }
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }
}
