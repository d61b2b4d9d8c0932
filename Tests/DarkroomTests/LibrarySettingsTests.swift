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

    @Test func everyKnownSettingHasATypedFieldAndAnOrigin() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let defaults = try await library.librarySettings()
        #expect(defaults.generation == GenerationDefaults() && defaults.ignored.isEmpty)
        #expect(Set(defaults.origins.keys) == Set(SettingKey.all.map(\.name)) && defaults.origins.values.allSatisfy { $0 == .default })
        let certificate = temp.url.appendingPathComponent("org.pem"), key = temp.url.appendingPathComponent("org.key")
        for file in [certificate, key] { try Data("pem".utf8).write(to: file) }
        let values: [(String, String)] = [
            ("generate.steps", "12"), ("generate.guidance", "4.5"), ("generate.scheduler", "ddim"), ("generate.size", "128x96"),
            ("generate.model_dir", temp.url.path), ("generate.seed_mode", "fixed"), ("generate.seed", "42"),
            ("trash.retention_days", "7"), ("safety.blocklist", "castle, moat"), ("safety.skin_threshold", "0.7"),
            ("credentials.include_prompt", "yes"), ("credentials.certificate", certificate.path), ("credentials.key", key.path),
            ("sync.pictures", "lazy"),
        ]
        for (name, value) in values { try await library.applySetting(name, value: value) }
        try await library.applySetting("safety.enabled", value: "off")
        try await library.setSetting("generate.steps", value: "20", scope: .device)
        let s = try await library.librarySettings()
        #expect(s.generation.steps == 20 && s.origin(of: "generate.steps") == .device)
        #expect(s.generation.guidance == 4.5 && s.generation.scheduler == .ddim && (s.generation.width, s.generation.height) == (128, 96))
        #expect(s.generation.modelDirectory?.path == temp.url.standardizedFileURL.path && s.generation.seed() == 42)
        #expect(s.trashRetentionDays == 7 && !s.safetyEnabled && s.safetyBlocklist == ["castle", "moat"] && s.skinThreshold == 0.7)
        #expect(s.credentials.includePrompt && s.credentials.certificate?.path == certificate.path && s.credentials.key?.path == key.path)
        #expect(s.syncPictures == .lazy && s.origin(of: "sync.pictures") == .synced && s.origin(of: "generate.tokenizer") == .default)
        // The readers of the library use the same values.
        #expect(try await library.safetyConfiguration().enabled == false)
        #expect(try await library.syncsPicturesLazily())
        // A signing file that is gone keeps its path, so signing fails loudly instead of using another identity.
        try FileManager.default.removeItem(at: certificate)
        #expect(try await library.credentialsConfiguration().certificate?.path == certificate.path)
        await #expect(throws: LibraryError.self) { try await library.credentialsSigner() }
    }
}
