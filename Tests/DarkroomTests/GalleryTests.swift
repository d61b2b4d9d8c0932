@testable import Darkroom
import DarkroomImaging
import DarkroomStore
import Foundation
import GRDB
import Testing

@Suite struct GalleryTests {
    func makeLibrary(_ temp: TemporaryLibrary, count: Int) async throws -> (Library, [GenerationID]) {
        let library = try await temp.open()
        var ids: [GenerationID] = []
        for seed in 0..<count {
            guard case .finished(let item) = await run(library, request("shape \(seed)", seed: UInt64(seed)), TestGenerator()).events.last
            else { throw TestGeneratorError.brokeAtStep(0) }
            ids.append(item.id)
        }
        return (library, ids)
    }

    @Test func aTemporaryLibraryIsEmptyWritableAndItsOwn() async throws {
        let first = try await Library.temporary()
        let second = try await Library.temporary()
        defer { for l in [first, second] { try? FileManager.default.removeItem(at: l.folder) } }
        #expect(first.folder != second.folder)
        #expect(first.folder.path.hasPrefix(FileManager.default.temporaryDirectory.path))
        #expect(try await first.count(GalleryQuery()) == 0)
        _ = try await first.importImage(at: fixturesFolder.appendingPathComponent("png/sample-rings.png"))
        #expect(try await first.count(GalleryQuery()) == 1)
        #expect(try await second.count(GalleryQuery()) == 0)
    }

    @Test func favouritesRatingsTagsAndAlbums() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let (library, ids) = try await makeLibrary(temp, count: 3)
        // The library takes full ids; a prefix as a person types it is resolved first, and refused as an id.
        let short = String(ids[0].prefix(8))
        #expect(try await library.resolveIDs([short]) == [ids[0]])
        await #expect(throws: StoreError.notFound(kind: "generation", id: short)) { try await library.setFavorite([GenerationID(short)], true) }
        try await library.setFavorite([ids[0]], true)
        try await library.rate([ids[1]], 5)
        await #expect(throws: StoreError.self) { try await library.rate([ids[1]], 6) }
        try await library.addTags(["keeper", "blue"], to: [ids[0], ids[1]])
        try await library.removeTags(["blue"], from: [ids[1]])
        let best = try await library.createAlbum("Best")
        await #expect(throws: StoreError.duplicateName(kind: "album", name: "best")) { try await library.createAlbum("best") }
        try await library.addToAlbum(best.id, [ids[2]])
        try await library.addToAlbum(library.createAlbum("New one").id, [ids[0]])
        var favorites = GalleryQuery(); favorites.favoritesOnly = true
        #expect(try await library.items(favorites).map(\.id) == [ids[0]])
        #expect(try await library.item(ids[1]).generation.rating == 5)
        #expect(try await library.item(ids[0]).tags == ["blue", "keeper"])
        #expect(try await library.item(ids[1]).tags == ["keeper"])
        #expect(try await library.tags().map(\.name) == ["blue", "keeper"])
        var tagged = GalleryQuery(); tagged.tag = "KEEPER"
        #expect(Set(try await library.items(tagged).map(\.id)) == [ids[0], ids[1]])
        try await library.renameAlbum(best.id, to: "Finest")
        #expect(try await library.album(named: "FINEST")?.id == best.id)
        #expect(try await library.items(GalleryQuery(text: "finest")).map(\.id) == [ids[2]])
        try await library.deleteAlbum(best.id)
        #expect(try await library.item(ids[2]).albums.isEmpty)
        #expect(try await library.albums().map(\.album.name) == ["New one"])
        await #expect(throws: StoreError.notFound(kind: "album", id: "nope")) { try await library.addToAlbum(AlbumID("nope"), [ids[0]]) }
    }

    @Test func trashRestoreAndEmptyRemoveFilesOnlyWhenUnused() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let (library, ids) = try await makeLibrary(temp, count: 2)
        // A third generation showing the same picture file as the first (as sync can make).
        let shared = try await library.item(ids[0]).image!.hash
        let twinID = try await library.database.write { db -> GenerationID in
            var row = GenerationRecord.make(source: .import, status: .succeeded)
            row.imageHash = shared
            try row.insert(db)
            return row.id
        }
        let twin = try await library.item(twinID)
        try await library.trash([ids[0], ids[1]])
        #expect(try await library.items(GalleryQuery()).map(\.id) == [twin.id])
        var trash = GalleryQuery(); trash.trashed = true
        #expect(Set(try await library.items(trash).map(\.id)) == Set(ids))
        try await library.restore([ids[1]])
        #expect(try await library.count(GalleryQuery()) == 2)
        let picture0 = try await library.item(ids[0]).image!
        #expect(try await library.emptyTrash() == 1)
        await #expect(throws: StoreError.self) { try await library.item(ids[0]) }
        // The shared picture is still used by the twin, so its file stays.
        #expect(FileManager.default.fileExists(atPath: library.url(of: picture0.path).path))
        try await library.trash([twin.id])
        #expect(try await library.emptyTrash(trashedBefore: Date().addingTimeInterval(-3600)) == 0)
        #expect(try await library.emptyTrash() == 1)
        #expect(!FileManager.default.fileExists(atPath: library.url(of: picture0.path).path))
        #expect(try library.database.integrityProblems().isEmpty)
    }

    @Test func settingsResolveDeviceThenSyncedThenDefault() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        #expect(try await library.setting("generate.steps") == ResolvedSetting(key: "generate.steps", value: "8", origin: .default))
        try await library.setSetting("generate.steps", value: "12")
        #expect(try await library.setting("generate.steps")?.origin == .synced)
        try await library.setSetting("generate.steps", value: "20", scope: .device)
        #expect(try await library.setting("generate.steps") == ResolvedSetting(key: "generate.steps", value: "20", origin: .device))
        try await library.setSetting("generate.scheduler", value: "ddim")
        #expect(try await library.setting("generate.scheduler")?.value == "\"ddim\"")
        let defaults = try await GenerationDefaults.load(from: library)
        #expect(defaults.steps == 20 && defaults.scheduler == .ddim)
        try await library.removeSetting("generate.steps", scope: .device)
        #expect(try await library.setting("generate.steps")?.value == "12")
        await #expect(throws: SettingError.malformedKey(key: "bad key!")) { try await library.setSetting("bad key!", value: "1", force: true) }
    }

    @Test func statisticsCountWhatIsThere() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let (library, ids) = try await makeLibrary(temp, count: 3)
        try await library.trash([ids[0]])
        try await library.setFavorite([ids[1]], true)
        let stats = try await library.statistics()
        #expect(stats.generations == 2 && stats.trashed == 1 && stats.favorites == 1 && stats.images == 3)
        #expect(stats.generationsByModel == ["test-painter": 2])
        #expect(stats.prompts == 3)
    }

    @Test func doctorQuarantinesOrphansAndReportsMissingPictures() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let (library, ids) = try await makeLibrary(temp, count: 2)
        // A picture larger than a thumbnail has a thumbnail file of its own.
        var large = request("large", seed: 9)
        (large.width, large.height) = (192, 144)
        guard case .finished(let big) = await run(library, large, TestGenerator()).events.last else { throw TestGeneratorError.brokeAtStep(0) }
        let bigImage = try #require(big.image)
        #expect(bigImage.thumbnailPath != bigImage.path)
        #expect(try PNGCodec.decode(Data(contentsOf: library.url(of: bigImage.thumbnailPath!))).image.width == Library.thumbnailSide)
        let stray = "images/zz/stray.png"
        try library.files.write(Data("stray".utf8), to: stray)
        let picture = try await library.item(ids[0]).image!
        try FileManager.default.removeItem(at: library.url(of: picture.path))   // a small picture: its own thumbnail
        try FileManager.default.removeItem(at: library.url(of: bigImage.thumbnailPath!))
        let report = try await library.doctor()
        #expect(report.quarantinedPictures == [stray])
        #expect(try Data(contentsOf: report.quarantineFolder!.appendingPathComponent(stray)) == Data("stray".utf8))
        #expect(report.missingFiles == [picture.path])
        #expect(report.rebuiltThumbnails == [bigImage.thumbnailPath!])
        #expect(report.integrityProblems.isEmpty)
        #expect(!report.isHealthy)
        // A thumbnail a power cut left empty (written without fsync) is remade too.
        let thumb = library.url(of: bigImage.thumbnailPath!)
        try Data().write(to: thumb)
        #expect(try await library.doctor().rebuiltThumbnails.count == 1)
        #expect(try PNGCodec.decode(Data(contentsOf: thumb)).image.width > 0)
        #expect(FileManager.default.fileExists(atPath: library.url(of: try await library.item(ids[1]).image!.path).path))
    }
}
