import DarkroomSync
import DarkroomStore
import Foundation

/// Where a library's sync objects live, as written on the command line and remembered per
/// library: `folder:PATH` (a shared folder: a file-sync tool's folder, a USB stick) or
/// `http://HOST:PORT` / `https://HOST` (a relay).
public enum TransportSpec: Sendable, Equatable, CustomStringConvertible {
    /// A shared folder.
    case folder(URL)
    /// An HTTP relay.
    case relay(URL)

    /// Parses `folder:PATH`, `http://…` or `https://…`.
    public init(_ text: String) throws {
        if text.hasPrefix("folder:") {
            let path = String(text.dropFirst("folder:".count))
            guard !path.isEmpty else { throw SyncFailure.invalidTransport(text) }
            self = .folder(URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL)
        } else if text.hasPrefix("http://") || text.hasPrefix("https://"), let url = URL(string: text), url.host != nil {
            self = .relay(url)
        } else {
            throw SyncFailure.invalidTransport(text)
        }
    }

    /// The spec as written.
    public var description: String {
        switch self {
        case .folder(let url): return "folder:\(url.path)"
        case .relay(let url): return url.absoluteString
        }
    }

    /// Opens the transport for `library` as `identity` (nil before the device has one).
    func open(library: LibraryID, identity: DeviceIdentity) throws -> any SyncTransport {
        switch self {
        case .folder(let url):
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return try FolderTransport(root: url, writer: identity.id)
        case .relay(let url):
            return HTTPTransport(baseURL: url, library: library, identity: identity)
        }
    }
}
