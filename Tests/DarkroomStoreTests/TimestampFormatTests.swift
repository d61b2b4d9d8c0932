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
