import Foundation
import GRDB
import GRDBSQLite

/// Runs a prepared statement for many rows of values with SQLite's bind calls directly.
///
/// GRDB's `StatementArguments` costs more per value (an existential or key-path map, then a
/// copy) than the single-row insert it feeds when a first sync stages 100,000 rows. Only for
/// statements whose effects no GRDB transaction observer needs to see (the library registers
/// none), inside a transaction the caller opened: a first sync's staging tables, batch inserts
/// of generations (`GenerationRecord.insertAll`).
package struct BulkStatement {
    private let statement: Statement
    private let connection: OpaquePointer?

    /// Wraps `statement`, prepared on `db`.
    package init(_ statement: Statement, _ db: Database) {
        self.statement = statement
        self.connection = db.sqliteConnection
    }

    /// Binds `values` to parameters 1…n (as many as the statement has) and runs it to completion.
    /// - Throws: `DatabaseError` with SQLite's code and message when a step fails.
    package func execute(_ values: [DatabaseValue]) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value.storage {
            case .null: code = sqlite3_bind_null(handle, index)
            case .int64(let v): code = sqlite3_bind_int64(handle, index, v)
            case .double(let v): code = sqlite3_bind_double(handle, index, v)
            case .string(let v): code = sqlite3_bind_text(handle, index, v, -1, Self.transient)
            case .blob(let v):
                code = v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count), Self.transient) }
            }
            guard code == SQLITE_OK else { throw error(code) }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) }, sql: statement.sql)
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A JSON array of strings, for `json_each(?)` (keys of a batch in one statement argument).
package func jsonArray(_ strings: [String]) -> String {
    var out = "["
    out.reserveCapacity(strings.reduce(2) { $0 + $1.utf8.count + 3 })
    for (index, string) in strings.enumerated() {
        if index > 0 { out += "," }
        out += "\""
        if !string.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) {
            out += string
            out += "\""
            continue
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
    return out + "]"
}
