import Foundation
import GRDB
import Testing
@testable import DarkroomStore

/// A broad text search (more matches than `GalleryQuery.indexWalkThreshold`) reads its page from the
/// newest rows when they hold one; the page must be exactly what searching everything gives.
@Suite struct BroadSearchTests {
    /// A library of `count` rows; `created(i)` orders them in time, `prompt(i)` says what they show.
    private func library(_ count: Int, created: (Int) -> Double, prompt: (Int) -> String,
                         favorite: (Int) -> Bool = { _ in false }) throws -> (LibraryDatabase, TemporaryFolder) {
        let folder = try TemporaryFolder()
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        let rows = (0..<count).map { i -> GenerationRecord in
            var row = GenerationRecord.make(source: .generate, status: .succeeded, now: Date(timeIntervalSince1970: 1_790_000_000 + created(i)))
            row.prompt = prompt(i)
            row.seed = Int64(i)
            row.favorite = favorite(i)
            return row
        }
        try database.write { db in try GenerationRecord.insertAll(rows, db) }
        return (database, folder)
    }

    /// Checks pages of `query` at several offsets against the plain index walk over every match.
    private func expectExactPages(_ base: GalleryQuery, _ database: LibraryDatabase, offsets: [Int],
                                  windowUsed: Bool? = nil) throws {
        try database.read { (db: Database) throws in
            #expect(try base.prefersIndexWalk(db), "the search must be broad for this test")
            for offset in offsets {
                var query = base
                query.offset = offset
                let expected = try query.request(walkIndex: true).fetchAll(db).map(\.id)
                #expect(try query.fetchGenerations(db).map(\.id) == expected, "offset \(offset)")
                if let windowUsed, offset == 0 {
                    #expect((try query.fetchFromRecentWindow(db) != nil) == windowUsed)
                }
            }
        }
    }

    @Test func rowsInTimeOrder() throws {
        let (database, folder) = try library(3_000, created: Double.init, prompt: { $0 % 2 == 0 ? "a heron \($0)" : "a lighthouse \($0)" })
        defer { folder.cleanup() }
        try expectExactPages(GalleryQuery(text: "heron", limit: 50), database, offsets: [0, 50, 700, 990, 1_450], windowUsed: true)
    }

    @Test func rowsInsertedOutOfTimeOrder() throws {
        // Creation times shuffled against insertion order (imports, a sync): the window's rowid range is wide.
        let (database, folder) = try library(3_000, created: { Double(($0 * 7_919) % 3_000) }, prompt: { $0 % 2 == 0 ? "a heron" : "a ship" })
        defer { folder.cleanup() }
        try expectExactPages(GalleryQuery(text: "heron", limit: 50), database, offsets: [0, 100, 1_000, 1_480], windowUsed: true)
    }

    @Test func matchesOnlyAmongOlderRowsFallBackToTheWholeSearch() throws {
        // 1,200 old rows mention a castle; the newest 2,500 do not, so the window holds no page.
        let (database, folder) = try library(3_700, created: Double.init, prompt: { $0 < 1_200 ? "a castle \($0)" : "a field \($0)" })
        defer { folder.cleanup() }
        try expectExactPages(GalleryQuery(text: "castle", limit: 50), database, offsets: [0, 600], windowUsed: false)
    }

    @Test func selectiveSearchesFallBackToTheirMatches() throws {
        // 47 rows mention an otter, 18 of them among the newest 1,000: the window holds no page of 20, so the
        // page comes from the matches themselves (too few for an index walk).
        let (database, folder) = try library(3_000, created: Double.init,
                                             prompt: { $0 % 70 == 0 || $0 > 2_995 ? "an otter \($0)" : "a field \($0)" })
        defer { folder.cleanup() }
        try database.read { (db: Database) throws in
            for offset in [0, 20, 35] {
                let query = GalleryQuery(text: "otter", limit: 20, offset: offset)
                #expect(try query.fetchFromRecentWindow(db) == nil)
                #expect(try !query.prefersIndexWalk(db))
                let expected = try query.request().fetchAll(db).map(\.id)
                #expect(expected.count == min(20, 47 - offset))
                #expect(try query.fetchGenerations(db).map(\.id) == expected, "offset \(offset)")
            }
        }
    }

    @Test func otherFiltersApplyToTheWindow() throws {
        let (database, folder) = try library(4_000, created: Double.init, prompt: { "a heron \($0 % 3)" }, favorite: { $0 % 2 == 0 })
        defer { folder.cleanup() }
        var favourites = GalleryQuery(text: "heron", limit: 50)
        favourites.favoritesOnly = true
        try expectExactPages(favourites, database, offsets: [0, 500, 1_990], windowUsed: true)
        try database.write { db in try db.execute(sql: "UPDATE generation SET trashed_at = created_at WHERE seed % 5 = 0") }
        try expectExactPages(GalleryQuery(text: "heron", limit: 50), database, offsets: [0, 1_000], windowUsed: true)
    }
}
