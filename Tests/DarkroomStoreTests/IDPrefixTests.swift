import Foundation
import GRDB
import Testing
@testable import DarkroomStore

@Suite struct IDPrefixTests {
    @Test func uniquePrefixAmbiguousPrefixAndUnknownID() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        for id in ["abc10000-0000-4000-8000-000000000000", "abc20000-0000-4000-8000-000000000000", "ffff0000-0000-4000-8000-000000000000"] {
            try insertGeneration(database, prompt: id) { [id] in $0.id = GenerationID(id) }
        }
        try database.read { (db: Database) throws in
            #expect(try IDPrefix.generation("abc1", db) == "abc10000-0000-4000-8000-000000000000")
            #expect(try IDPrefix.generation("FFFF", db) == "ffff0000-0000-4000-8000-000000000000")
            #expect(throws: StoreError.ambiguousID(kind: "generation", prefix: "abc",
                                                   candidates: ["abc10000-0000-4000-8000-000000000000", "abc20000-0000-4000-8000-000000000000"])) {
                try IDPrefix.generation("abc", db)
            }
            #expect(throws: StoreError.notFound(kind: "generation", id: "0123")) { try IDPrefix.generation("0123", db) }
            #expect(throws: StoreError.notFound(kind: "generation", id: "x'; DROP")) { try IDPrefix.generation("x'; DROP", db) }
        }
    }
}
