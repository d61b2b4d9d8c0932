import DarkroomImaging
import DarkroomStore
import Foundation

/// What sync needs of the library it syncs, and nothing more: its folder, database and picture
/// files, and four things only the facade knows (a setting, storing a received picture with what its
/// Content Credentials say, this device's credentials authority, re-checking stored verdicts).
/// The facade's `Library` provides it (`Library+SyncedLibrary.swift`); sync knows nothing else of
/// the facade, which sits above it.
package protocol SyncedLibrary: AnyObject, Sendable {
    /// The library folder.
    var folder: URL { get }
    /// The library database.
    var database: LibraryDatabase { get }
    /// The picture files.
    var files: ImageFileStore { get }
    /// The library's identity row.
    var info: LibraryInfo { get }
    /// Whether pictures sync without their files, downloaded on demand (setting `sync.pictures`).
    func syncsPicturesLazily() async throws -> Bool
    /// Stores a picture received by sync (its file and thumbnail; no row), with what its Content
    /// Credentials say as this device reads them.
    func storeSyncedPicture(png: Data, pixels: PixelImage) async throws
    /// This device's Content Credentials authority (PEM), when it signs pictures.
    func credentialsAuthorityPEM() -> String?
    /// Checks the stored credentials verdicts again (after the trusted authorities changed).
    func recheckStoredCredentials() async throws
}
