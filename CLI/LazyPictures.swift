import Darkroom
import Foundation

/// Pictures that arrived by sync without their file (setting `sync.pictures` = `lazy`) are
/// downloaded when a command needs them.
enum LazyPictures {
    /// Downloads the pictures of `items` that are waiting to be downloaded; returns how many.
    @discardableResult
    static func fetch(_ items: [GalleryItem], library: Library) async throws -> Int {
        let sync = LibrarySync.forCLI(library)
        let wanted = try await sync.picturesToFetch(for: items)
        guard !wanted.isEmpty else { return 0 }
        Console.note("Downloading \(wanted.count) picture(s) from the sync transport…")
        return try await sync.fetchPictures(wanted)
    }
}
