import Foundation
import GRDB
import Testing
@testable import DarkroomStore

/// The search syntax's traps (issue 32, item 7): quoted values and phrases, `-word` exclusion,
/// case-insensitive scheduler values, unknown fields and bad values named, and the hidden count.
@Suite struct SearchTermQueryTests {
    func library(_ folder: TemporaryFolder) throws -> (LibraryDatabase, [String: GenerationID]) {
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        var ids: [String: GenerationID] = [:]
        for (i, prompt) in ["a red fox in the snow", "a red fox in a forest", "snow on a red roof", "circle red"].enumerated() {
            ids[prompt] = try insertGeneration(database, prompt: prompt, seed: Int64(i), created: Date().addingTimeInterval(Double(i))) {
                $0.scheduler = i == 0 ? "ddim" : "euler-a"
            }.id
        }
        let forest = ids["a red fox in a forest"]!
        try database.write { db in
            let now = Date()
            try AlbumRecord(id: "a1", name: "Best of", createdAt: now, modifiedAt: now).insert(db)
            try AlbumItemRecord(albumID: "a1", generationID: forest, createdAt: now).insert(db)
        }
        return (database, ids)
    }

    @Test func quotedValuesPhrasesExclusionAndCase() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let (database, ids) = try library(folder)
        try database.read { (db: Database) throws in
            func prompts(_ search: String) throws -> Set<String> {
                Set(try GalleryQuery.checkedParse(search: search).fetchGenerations(db).map(\.prompt))
            }
            #expect(try prompts("fox -snow") == ["a red fox in a forest"])
            #expect(try prompts("red -\"red fox\"") == ["snow on a red roof", "circle red"])
            #expect(try prompts("-snow -forest") == ["circle red"])
            #expect(try prompts("\"red fox\"") == ["a red fox in the snow", "a red fox in a forest"])
            #expect(try prompts("\"circle red\"") == ["circle red"] && (try prompts("\"red circle\"")).isEmpty)
            #expect(try prompts("album:\"Best of\"") == ["a red fox in a forest"])
            #expect(try prompts("album:\"best OF\" fox") == ["a red fox in a forest"])
            #expect(try prompts("scheduler:DDIM") == ["a red fox in the snow"])
            #expect(try prompts("scheduler:Euler-A -roof") == ["a red fox in a forest", "circle red"])
            // The paged paths (full-text matches read once, the recent window) honour exclusion too.
            var paged = try GalleryQuery.checkedParse(search: "red -snow")
            paged.limit = 2
            #expect(Set(try paged.fetchGenerations(db).map(\.id)) == [ids["a red fox in a forest"]!, ids["circle red"]!])
            #expect(try paged.fetchFromRecentWindow(db).map { Set($0.map(\.prompt)) } == ["a red fox in a forest", "circle red"])
            // A quoted word keeps its field-like text as words.
            #expect(try GalleryQuery.checkedParse(search: "\"foo:bar\"").text == "\"foo:bar\"")
            #expect(try GalleryQuery.checkedParse(search: "12:30 a<b").text == "12:30 a<b")
        }
    }

    @Test func unknownFieldsAndBadValuesAreNamed() throws {
        #expect(throws: SearchTermError.unknownField(term: "foo:bar", field: "foo", known: GalleryQuery.searchFields)) {
            try GalleryQuery.checkedParse(search: "red foo:bar")
        }
        #expect(throws: SearchTermError.invalidValue(term: "seed:abc", field: "seed", expected: .unsignedInteger)) {
            try GalleryQuery.checkedParse(search: "seed:abc")
        }
        #expect(throws: SearchTermError.invalidValue(term: "status:done", field: "status",
                                                     expected: .oneOf(["queued", "running", "succeeded", "failed", "cancelled"]))) {
            try GalleryQuery.checkedParse(search: "status:done")
        }
        #expect(throws: SearchTermError.excludedField(term: "-tag:x")) { try GalleryQuery.checkedParse(search: "-tag:x") }
        #expect("\(SearchTermError.unknownField(term: "foo:bar", field: "foo", known: ["seed"]))".contains("'foo'"))
        // The lenient parse still searches for such terms as words, as before.
        #expect(GalleryQuery.parse(search: "foo:bar").text == "foo:bar")
    }

    @Test func theHiddenCountFollowsTheFilters() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let (database, ids) = try library(folder)
        let flaggedIDs = ["a red fox in the snow", "snow on a red roof"].map { ids[$0]! }
        try database.write { db in
            for id in flaggedIDs {
                try SafetyFlagRecord(generationID: id, detector: "skin-tone-area", detectorVersion: "1", score: 0.9,
                                     threshold: 0.5, reason: "test").insert(db)
            }
        }
        try database.read { (db: Database) throws in
            #expect(try GalleryQuery().fetchHiddenCount(db) == 2)
            #expect(try GalleryQuery.checkedParse(search: "fox").fetchHiddenCount(db) == 1)
            #expect(try GalleryQuery.checkedParse(search: "circle").fetchHiddenCount(db) == 0)
            // Full-text terms are matched among the flagged rows only (the matches of a common word are not all read).
            #expect(try GalleryQuery.checkedParse(search: "red").fetchHiddenCount(db) == 2)
            #expect(try GalleryQuery.checkedParse(search: "snow -fox").fetchHiddenCount(db) == 1)
            #expect(try GalleryQuery.checkedParse(search: "red -roof").fetchHiddenCount(db) == 1)
            var shown = GalleryQuery(); shown.includeFlagged = true
            #expect(try shown.fetchHiddenCount(db) == 0)
            var lineage = GalleryQuery(); lineage.lineageRoot = ids["snow on a red roof"]
            #expect(try lineage.fetchHiddenCount(db) == 1)
        }
    }
}
