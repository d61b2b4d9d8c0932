import Foundation
import GRDB
import Testing
@testable import DarkroomStore

@Suite struct GalleryQueryTests {
    @Test func newestFirstWithPagingAndTrash() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        for i in 0..<10 {
            try insertGeneration(database, prompt: "picture \(i)", seed: Int64(i), created: base.addingTimeInterval(Double(i)))
        }
        try database.write { db in try db.execute(sql: "UPDATE generation SET trashed_at = ? WHERE seed = 9", arguments: [Date()]) }
        try database.read { (db: Database) throws in
            let page = try GalleryQuery(limit: 3).fetchGenerations(db)
            #expect(page.map(\.seed) == [8, 7, 6])
            #expect(try GalleryQuery(limit: 3, offset: 3).fetchGenerations(db).map(\.seed) == [5, 4, 3])
            #expect(try GalleryQuery().fetchCount(db) == 9)
            var trash = GalleryQuery(); trash.trashed = true
            #expect(try trash.fetchGenerations(db).map(\.seed) == [9])
        }
    }

    @Test func searchCoversPromptNegativeTagsAndAlbumsAndFollowsRenames() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        let a = try insertGeneration(database, prompt: "A red circle", seed: 1) { $0.negativePrompt = "blurry" }
        let b = try insertGeneration(database, prompt: "a blue square", seed: 2)
        try database.write { db in
            let now = Date()
            try TagRecord(id: "t1", name: "Keeper", createdAt: now, modifiedAt: now).insert(db)
            try GenerationTagRecord(generationID: b.id, tagID: "t1", createdAt: now).insert(db)
            try AlbumRecord(id: "a1", name: "Holiday", createdAt: now, modifiedAt: now).insert(db)
            try AlbumItemRecord(albumID: "a1", generationID: a.id, createdAt: now).insert(db)
        }
        try database.read { (db: Database) throws in
            #expect(try GalleryQuery(text: "red").fetchGenerations(db).map(\.id) == [a.id])
            #expect(try GalleryQuery(text: "RED circle").fetchGenerations(db).map(\.id) == [a.id])
            #expect(try GalleryQuery(text: "blurry").fetchGenerations(db).map(\.id) == [a.id])
            #expect(try GalleryQuery(text: "keeper").fetchGenerations(db).map(\.id) == [b.id])
            #expect(try GalleryQuery(text: "holiday").fetchGenerations(db).map(\.id) == [a.id])
            #expect(try GalleryQuery(text: "squ*").fetchGenerations(db).map(\.id) == [b.id])
            #expect(try GalleryQuery(text: "red square").fetchGenerations(db).isEmpty)
            // Punctuation in a search is literal, never FTS syntax.
            #expect(try GalleryQuery(text: "\"red\" OR (").fetchGenerations(db).isEmpty)
        }
        try database.write { db in
            try db.execute(sql: "UPDATE tag SET name = 'Winner' WHERE id = 't1'")
            try db.execute(sql: "UPDATE generation SET prompt = 'a green square' WHERE id = ?", arguments: [b.id])
            try db.execute(sql: "DELETE FROM album WHERE id = 'a1'")
        }
        try database.read { (db: Database) throws in
            #expect(try GalleryQuery(text: "keeper").fetchGenerations(db).isEmpty)
            #expect(try GalleryQuery(text: "winner").fetchGenerations(db).map(\.id) == [b.id])
            #expect(try GalleryQuery(text: "green").fetchGenerations(db).map(\.id) == [b.id])
            #expect(try GalleryQuery(text: "blue").fetchGenerations(db).isEmpty)
            #expect(try GalleryQuery(text: "holiday").fetchGenerations(db).isEmpty)
        }
    }

    @Test func fieldTermsAndFilters() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        for (i, steps) in [4, 8, 20].enumerated() {
            try insertGeneration(database, prompt: "star \(i)", seed: Int64(100 + i), steps: steps) {
                $0.rating = i + 2
                $0.favorite = i == 1
                $0.modelID = i == 2 ? "big-model" : "darkroom-shapes-v1"
                $0.modelHash = i == 2 ? "abcdef0123" : "99887766"
                $0.scheduler = "ddim"
            }
        }
        try insertGeneration(database, prompt: "broken", seed: 7, status: .failed)
        let parsed = GalleryQuery.parse(search: "star seed:101 steps>4 rating>=3")
        #expect(parsed.text == "star")
        #expect(parsed.seed == 101)
        #expect(parsed.steps == .init(.greater, 4))
        #expect(parsed.rating == .init(.greaterOrEqual, 3))
        try database.read { (db: Database) throws in
            #expect(try parsed.fetchGenerations(db).map(\.seed) == [101])
            #expect(Set(try GalleryQuery.parse(search: "steps<=8").fetchGenerations(db).map(\.seed)) == [100, 101, 7])
            #expect(try GalleryQuery.parse(search: "model:big-model").fetchGenerations(db).map(\.seed) == [102])
            #expect(try GalleryQuery.parse(search: "model:abcd").fetchGenerations(db).map(\.seed) == [102])
            #expect(try GalleryQuery.parse(search: "status:failed").fetchGenerations(db).map(\.seed) == [7])
            var favorites = GalleryQuery(); favorites.favoritesOnly = true
            #expect(try favorites.fetchGenerations(db).map(\.seed) == [101])
            var since = GalleryQuery(); since.since = Date().addingTimeInterval(3600)
            #expect(try since.fetchCount(db) == 0)
            // An unknown key stays a search word.
            #expect(GalleryQuery.parse(search: "colour:red").text == "colour:red")
        }
    }

    @Test func seedTermsTakeTheWholeUnsignedRange() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        // The store keeps an unsigned seed's bit pattern: UInt64.max is -1, 2^63 is Int64.min.
        try insertGeneration(database, prompt: "largest", seed: Int64(bitPattern: UInt64.max))
        try insertGeneration(database, prompt: "middle", seed: Int64(bitPattern: 1 << 63))
        try insertGeneration(database, prompt: "small", seed: 5)
        #expect(GalleryQuery.parse(search: "seed:18446744073709551615").seed == -1)
        #expect(GalleryQuery.parse(search: "seed:9223372036854775808").seed == Int64.min)
        #expect(GalleryQuery.storedSeed(UInt64.max) == -1)
        // Seeds are never negative: a negative or too large number stays a search word.
        #expect(GalleryQuery.parse(search: "seed:-1").seed == nil)
        #expect(GalleryQuery.parse(search: "seed:18446744073709551616").text == "seed:18446744073709551616")
        try database.read { (db: Database) throws in
            #expect(try GalleryQuery.parse(search: "seed:18446744073709551615").fetchGenerations(db).map(\.prompt) == ["largest"])
            #expect(try GalleryQuery.parse(search: "seed:9223372036854775808").fetchGenerations(db).map(\.prompt) == ["middle"])
            #expect(try GalleryQuery.parse(search: "seed:5").fetchGenerations(db).map(\.prompt) == ["small"])
        }
    }

    @Test func lineageQueryReturnsTheWholeSubtree() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        let root = try insertGeneration(database, prompt: "root", seed: 1)
        let child = try insertGeneration(database, prompt: "child", seed: 2) { [id = root.id] in $0.parentID = id }
        _ = try insertGeneration(database, prompt: "grandchild", seed: 3) { [id = child.id] in $0.parentID = id }
        _ = try insertGeneration(database, prompt: "unrelated", seed: 4)
        var query = GalleryQuery(); query.lineageRoot = root.id
        let lineage = query
        let seeds = try database.read { db in try lineage.fetchGenerations(db).map(\.seed) }
        #expect(Set(seeds) == [1, 2, 3])
    }

    @Test func queryPlansUseIndexes() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        try database.read { (db: Database) throws in
            let page = GalleryQuery(limit: 50).request()
            let statement = try page.makePreparedRequest(db).statement
            let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + statement.sql, arguments: statement.arguments)
                .map { $0["detail"] as String }.joined(separator: "\n")
            #expect(plan.contains("generation_live_created"), "plan: \(plan)")
            #expect(!plan.contains("USE TEMP B-TREE"), "the page must not sort: \(plan)")
        }
    }
}
