@testable import Darkroom
import DarkroomImaging
import DarkroomStore
import Foundation
import GRDB
import Testing

/// Typed settings in the facade (issue 32, item 3): values checked at set time, the trash retention
/// honoured, values the readers would ignore reported.
@Suite struct LibrarySettingsTests {
    @Test func valuesAreCheckedAndStoredCanonically() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let change = try await library.setSetting("generate.scheduler", value: "Euler a")
        #expect(change.value == "\"euler-a\"" && change.isKnown && change.previous?.origin == .default)
        await #expect(throws: SettingError.invalidValue(key: "generate.steps", value: "abc", expected: .integer(1...1000), problem: .wrongType)) {
            try await library.setSetting("generate.steps", value: "abc")
        }
        await #expect(throws: SettingError.invalidValue(key: "generate.size", value: "100", expected: .size(multiple: 8, sides: 8...4096),
                                                        problem: .wrongType)) {
            try await library.setSetting("generate.size", value: "100")
        }
        await #expect(throws: SettingError.unknownKey(key: "generate.step", suggestions: ["generate.steps"])) {
            try await library.setSetting("generate.step", value: "8")
        }
        let forced = try await library.setSetting("generate.step", value: "8", force: true)
        #expect(!forced.isKnown && forced.value == "8")
        #expect(try await library.setting("generate.steps")?.value == "8", "the typo changed nothing")
        // Every key of the table has a default its own check accepts.
        for key in SettingKey.all {
            #expect(try key.canonicalValue(for: key.defaultValue) == key.defaultValue, "\(key.name)")
        }
    }

    @Test func unsignedSeedsBeyondInt64AreRead() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        try await library.setSetting("generate.seed", value: "18446744073709551615")
        try await library.setSetting("generate.seed_mode", value: "fixed")
        let defaults = try await GenerationDefaults.load(from: library)
        #expect(defaults.seed() == UInt64.max && defaults.ignoredSettings.isEmpty)
    }

    @Test func aValueStoredBeforeChecksIsIgnoredAndReported() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        // As an older version (or another device running one) wrote it.
        try await library.database.write { db in
            try db.execute(sql: "INSERT INTO setting (key, scope, value, created_at, modified_at) VALUES ('generate.steps', 'synced', '\"abc\"', ?, ?)",
                           arguments: [Date(), Date()])
        }
        let defaults = try await GenerationDefaults.load(from: library)
        #expect(defaults.steps == GenerationDefaults().steps)
        #expect(defaults.ignoredSettings.map(\.description).first?.contains("generate.steps") == true)
    }

    @Test func theTrashKeepsItemsForTheRetentionSetting() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        var library = try await temp.open()
        let report = try await library.importImages(at: [try writePicture(temp, "a.png", seed: 1), try writePicture(temp, "b.png", seed: 2)])
        let ids = report.importedIDs
        #expect(ids.count == 2)
        try await library.trash(ids)
        // Trashed 3 days and 1 day ago.
        try await library.database.write { db in
            try db.execute(sql: "UPDATE generation SET trashed_at = ? WHERE id = ?", arguments: [Date().addingTimeInterval(-3 * 86_400), ids[0]])
            try db.execute(sql: "UPDATE generation SET trashed_at = ? WHERE id = ?", arguments: [Date().addingTimeInterval(-1 * 86_400), ids[1]])
        }
        // The default (30 days) keeps both.
        library = try await temp.open()
        #expect(library.recovery.purgedGenerations == 0)
        try await library.setSetting("trash.retention_days", value: "2")
        library = try await temp.open()
        #expect(library.recovery.purgedGenerations == 1 && library.recovery.trashRetentionDays == 2, "\(library.recovery)")
        var trashed = GalleryQuery()
        trashed.trashed = true
        #expect(try await library.items(trashed).map(\.id) == [ids[1]])
        // A device override wins over the synced value.
        try await library.setSetting("trash.retention_days", value: "90", scope: .device)
        try await library.database.write { db in
            try db.execute(sql: "UPDATE generation SET trashed_at = ? WHERE id = ?", arguments: [Date().addingTimeInterval(-40 * 86_400), ids[1]])
        }
        library = try await temp.open()
        #expect(library.recovery.purgedGenerations == 0 && library.recovery.trashRetentionDays == 90)
    }

    func writePicture(_ temp: TemporaryLibrary, _ name: String, seed: UInt64) throws -> URL {
        let folder = temp.url.deletingLastPathComponent().appendingPathComponent("pictures-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try PNGCodec.encode(TestGenerator.paint(request(seed: seed))).write(to: url)
        return url
    }
}
