import Foundation
import Logging

/// Where a relay keeps its data, as given on the command line: `sqlite:PATH` or a
/// `postgres://` URL (also accepted as `postgres:postgres://…`).
public enum RelayStorageLocation: Sendable, Equatable, CustomStringConvertible {
    /// A SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL database URL.
    case postgres(url: String)

    /// Parses `sqlite:PATH`, `postgres:URL`, `postgres://…` or `postgresql://…`.
    public init(parsing text: String) throws {
        if text.hasPrefix("sqlite:"), text.count > 7 {
            self = .sqlite(path: String(text.dropFirst(7)))
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("postgres:"), text.count > 9 {
            self = .postgres(url: String(text.dropFirst(9)))
        } else {
            throw RelayStorageError.badLocation(text)
        }
    }

    /// Opens the storage (not yet prepared; `RelayServer` prepares it).
    public func open(logger: Logger = Logger(label: "darkroom.relay.storage")) throws -> any RelayStorage {
        switch self {
        case .sqlite(let path): return try SQLiteRelayStorage(path: path)
        case .postgres(let url): return try PostgresRelayStorage(url: url, logger: logger)
        }
    }

    /// The location with any password hidden.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard var parts = URLComponents(string: url) else { return "postgres:(unparsable URL)" }
            if parts.password != nil { parts.password = "***" }
            return "postgres:\(parts.string ?? "")"
        }
    }
}
