import Darkroom
import Foundation

/// Pictures that arrived by sync without their file (setting `sync.pictures` = `lazy`) are
/// downloaded when a command needs them.
enum LazyPictures {
    /// Downloads the pictures of `items` that are waiting to be downloaded; returns how many.
    @discardableResult
    static func fetch(_ items: [GalleryItem], library: Library) async throws -> Int {
        let missing = items.compactMap(\.image).filter { !FileManager.default.fileExists(atPath: library.url(of: $0.path).path) }
        guard !missing.isEmpty else { return 0 }
        let sync = LibrarySync.forCLI(library)
        let pending = Set(try await sync.pendingPictures())
        let wanted = missing.map(\.hash).filter(pending.contains)
        guard !wanted.isEmpty else { return 0 }
        Console.note("Downloading \(wanted.count) picture(s) from the sync transport…")
        return try await sync.fetchPictures(wanted)
    }
}
