import Foundation
import GRDB
import Testing
@testable import DarkroomStore

@Suite struct TimestampFormatTests {
    @Test(arguments: [0.0, 1_790_000_123.456, 1_700_000_000.9999, 951_782_400.001])
    func databaseFormatMatchesGRDBsDefault(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let grdb = String.fromDatabaseValue(date.databaseValue)!
        #expect(TimestampFormat.database(date) == grdb)
        #expect(TimestampFormat.iso8601(date) == grdb.replacingOccurrences(of: " ", with: "T") + "Z")
        let reference = try #require(Date.fromDatabaseValue(grdb.databaseValue)).timeIntervalSince1970
        #expect(abs(try #require(TimestampFormat.parseDatabase(grdb)).timeIntervalSince1970 - reference) < 1e-6)
        #expect(abs(try #require(TimestampFormat.parseDatabase(TimestampFormat.iso8601(date))).timeIntervalSince1970 - reference) < 1e-6)
    }
}

@Test func malformedTimestampsAreRejected() {
    #expect(TimestampFormat.parseDatabase("yesterday") == nil)
    #expect(TimestampFormat.parseDatabase("2026-11") == nil)
    #expect(TimestampFormat.parseDatabase("2026-11-01") == Date(timeIntervalSince1970: 1_793_491_200))
}

@Test func generationRowRoundTripsEveryColumn() throws {
    let folder = try TemporaryFolder(); defer { folder.cleanup() }
    let database = try LibraryDatabase.open(folder: folder.url, create: true)
    var row = GenerationRecord.make(source: .generate, status: .failed, now: Date(timeIntervalSince1970: 1_790_000_000.25))
    row.prompt = "p"; row.negativePrompt = "n"; row.seed = -5; row.steps = 8; row.guidance = 4.5; row.scheduler = "ddim"
    row.schedulerConfig = "{}"; row.width = 64; row.height = 32; row.modelID = "m"; row.modelHash = "h"; row.modelPath = "/m"
    row.variationSeed = 9; row.variationStrength = 0.5; row.engineVersion = "e"; row.rngKind = "r"; row.error = "x"
    row.startedAt = Date(timeIntervalSince1970: 1_790_000_001); row.finishedAt = Date(timeIntervalSince1970: 1_790_000_002.5)
    row.durationMs = 12; row.batchID = "b"; row.batchIndex = 2; row.deviceID = "d"
    row.metadataSource = "darkroom"; row.metadataJSON = "{}"; row.favorite = true; row.rating = 3
    row.trashedAt = Date(timeIntervalSince1970: 1_790_000_003)
    let written = row
    try database.write { db in try written.insert(db) }
    let read = try database.read { db in try GenerationRecord.fetchOne(db, key: written.id) }
    #expect(read == written)
}
