import DarkroomStore
import Foundation

/// Live queries for a gallery UI: each stream yields the current value at once, then again after
/// every committed change that alters it: made through this `Library`, by a sync run, or by
/// another process on the same library folder (within
/// `LibraryDatabase.otherProcessesPollInterval`, 250 ms). Iterate in a task; cancelling the task
/// (or leaving the loop) ends the observation. See docs/embedding.md.
extension Library {
    /// The page `query` selects, newest first, as ``items(_:)`` reads it.
    ///
    /// ```swift
    /// for try await page in library.observe(GalleryQuery(limit: 50)) {
    ///     model.items = page
    /// }
    /// ```
    public func observe(_ query: GalleryQuery) -> AsyncThrowingStream<[GalleryItem], any Error> {
        database.observeItems(query)
    }

    /// One generation (live or trashed) by its full id; nil while it does not exist (not yet
    /// synced, or purged).
    public func observeItem(id: GenerationID) -> AsyncThrowingStream<GalleryItem?, any Error> {
        database.observeItem(id: id)
    }

    /// The library's statistics, as ``statistics()`` reads them.
    public func observeStatistics() -> AsyncThrowingStream<LibraryStatistics, any Error> {
        database.observeStatistics()
    }
}
