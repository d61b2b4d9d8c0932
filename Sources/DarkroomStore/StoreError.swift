import Foundation
import GRDB

/// What can go wrong when opening or changing a library's database.
///
/// Each case carries enough to tell a person what to do next; the CLI maps
/// cases to documented exit codes (see `docs/cli.md`).
public enum StoreError: Error, Equatable, Sendable {
    /// No library exists at the path.
    case libraryNotFound(path: String)
    /// The database was written by a newer Darkroom (unknown migrations).
    case newerSchema(path: String, unknownMigrations: [String])
    /// The file is not a SQLite database, or SQLite reports it damaged.
    case corruptDatabase(path: String, detail: String)
    /// The database lost commits it had acknowledged: its write-ahead log is missing or damaged
    /// (see `LogWitness`). Nothing was changed; a repair must accept the loss explicitly.
    case lostCommits(path: String, detail: String)
    /// The library's folder or database cannot be written (a read-only mount, another user's
    /// library): it can be read, not changed.
    case readOnlyLibrary(path: String)
    /// Another process held the database longer than the busy timeout.
    case busy(path: String)
    /// The disk is full (or a file size limit was hit) while writing.
    case diskFull(detail: String)
    /// Any other I/O failure reported by SQLite or the file system.
    case ioFailure(detail: String)
    /// No row has this id or id prefix.
    case notFound(kind: String, id: String)
    /// More than one row starts with this id prefix.
    case ambiguousID(kind: String, prefix: String, candidates: [String])
    /// A value breaks a rule of the data model (empty album name, rating out of range…).
    case invalidValue(String)
    /// A name is already taken (albums, tags).
    case duplicateName(kind: String, name: String)
}

extension StoreError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .libraryNotFound(let path):
            return "No Darkroom library at \(path)."
        case .newerSchema(let path, let unknown):
            return "The library at \(path) was written by a newer Darkroom (schema steps \(unknown.joined(separator: ", ")) are unknown here). Update Darkroom; nothing was changed."
        case .corruptDatabase(let path, let detail):
            return "The library database at \(path) is damaged or not a Darkroom library (\(detail)). Nothing was changed; restore it from a backup or an export."
        case .lostCommits(let path, let detail):
            return "The library database at \(path) lost recent changes: \(detail). Nothing was changed; its pictures are still in the library's images folder and can be imported back."
        case .readOnlyLibrary(let path):
            return "The library at \(path) is read-only (a read-only mount or another user's files): it can be read but not changed."
        case .busy(let path):
            return "The library at \(path) is busy: another process is writing to it. Try again in a moment."
        case .diskFull(let detail):
            return "The disk is full (\(detail)). Free some space and try again; nothing was half-written."
        case .ioFailure(let detail):
            return "A file or database operation failed: \(detail)."
        case .notFound(let kind, let id):
            return "No \(kind) matches '\(id)'."
        case .ambiguousID(let kind, let prefix, let candidates):
            let shown = candidates.prefix(5).joined(separator: ", ")
            return "The \(kind) id prefix '\(prefix)' is ambiguous: it matches \(shown)\(candidates.count > 5 ? ", …" : ""). Give more characters."
        case .invalidValue(let message):
            return message
        case .duplicateName(let kind, let name):
            return "A \(kind) named '\(name)' already exists."
        }
    }

    public var errorDescription: String? { description }

    /// Maps a file-system error to ``diskFull(detail:)`` or ``ioFailure(detail:)``.
    public static func fileSystem(_ error: any Error) -> StoreError {
        if let store = error as? StoreError { return store }
        if let mapped = wrap(error, path: "") as? StoreError { return mapped }
        let ns = error as NSError
        let underlying = (ns.userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription
        let path = ns.userInfo[NSFilePathErrorKey] as? String
        return .ioFailure(detail: [path, underlying ?? ns.localizedDescription].compactMap { $0 }.joined(separator: ": "))
    }

    /// Maps a SQLite or file-system error raised while using the library at `path`.
    public static func wrap(_ error: any Error, path: String) -> any Error {
        if error is StoreError { return error }
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return StoreError.corruptDatabase(path: path, detail: db.message ?? "\(db.resultCode)")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return StoreError.busy(path: path)
            case .SQLITE_FULL:
                return StoreError.diskFull(detail: db.message ?? "database or disk is full")
            case .SQLITE_READONLY where db.extendedResultCode != .SQLITE_READONLY_DBMOVED:
                return StoreError.readOnlyLibrary(path: path)
            case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY:
                return StoreError.ioFailure(detail: db.message ?? "\(db.resultCode)")
            default:
                return error
            }
        }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain, ns.code == Int(ENOSPC) || ns.code == Int(EFBIG) || ns.code == Int(EDQUOT) {
            return StoreError.diskFull(detail: ns.localizedDescription)
        }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           underlying.code == Int(ENOSPC) || underlying.code == Int(EFBIG) {
            return StoreError.diskFull(detail: underlying.localizedDescription)
        }
        return error
    }
}
