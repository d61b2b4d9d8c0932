import Foundation

/// The first 100 bytes of a SQLite database file, checked before SQLite opens it.
///
/// SQLite reads a damaged header in surprising ways: a write-version byte above 2 makes it open the
/// file read-only ("attempt to write a readonly database"), a bad page size makes it "not a database".
/// Checking the fields whose values the format fixes (sqlite.org/fileformat.html, "The Database
/// Header") turns each of those into one answer: the database is damaged.
enum DatabaseFileHeader {
    static let size = 100
    static let magic = Array("SQLite format 3\u{0}".utf8)

    /// Throws ``StoreError/corruptDatabase(path:detail:)`` naming the first field that is wrong.
    static func check(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }   // unreadable: SQLite reports it
        defer { try? handle.close() }
        let bytes = [UInt8]((try? handle.read(upToCount: size)) ?? Data())
        func damaged(_ detail: String) -> StoreError { .corruptDatabase(path: path, detail: "file header: \(detail)") }
        guard bytes.count == size else { throw damaged("the file is \(bytes.count) bytes long, shorter than a database header") }
        guard Array(bytes[0..<16]) == magic else { throw damaged("not a SQLite database (wrong magic string)") }
        let pageSize = Int(bytes[16]) << 8 | Int(bytes[17])
        guard pageSize == 1 || (pageSize >= 512 && pageSize & (pageSize - 1) == 0) else { throw damaged("page size \(pageSize) is impossible") }
        guard (1...2).contains(bytes[18]), (1...2).contains(bytes[19]) else {
            throw damaged("file format versions \(bytes[18])/\(bytes[19]) are impossible (1 or 2)")
        }
        guard bytes[21] == 64, bytes[22] == 32, bytes[23] == 32 else { throw damaged("payload fractions \(bytes[21])/\(bytes[22])/\(bytes[23]) are not 64/32/32") }
    }
}
