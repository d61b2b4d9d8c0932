import Foundation

/// A journal of picture files being written but not yet committed.
///
/// Before a writer creates picture files it records their relative paths in
/// `LIBRARY/locks/pending/UUID`; after its database commit (or its cleanup) it
/// removes the entry. An entry still present when the next process opens the
/// library (holding the exclusive files lock, so no writer is active) names
/// files whose writer died: those not referenced by a committed row are removed.
/// This keeps the open-time recovery cheap — no walk over every picture.
public struct PendingWriteJournal: Sendable {
    /// The library folder.
    public let folder: URL

    /// The journal of the library at `folder`.
    public init(folder: URL) { self.folder = folder }

    var directory: URL { folder.appendingPathComponent("locks/pending") }

    /// Records that `paths` are about to be written; returns the entry to pass to ``end(_:)``.
    public func begin(paths: [String]) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let entry = directory.appendingPathComponent(StableID.make())
        do {
            // Not flushed: the journal guards against a crashed process (the page cache survives
            // it); after a power cut `doctor`'s full walk finds what an entry would have named.
            try ImageFileStore.writeSynced(Data(paths.joined(separator: "\n").utf8), path: entry.path, sync: false)
        } catch let failure as POSIXFailure {
            try? FileManager.default.removeItem(at: entry)
            throw failure.isDiskFull ? StoreError.diskFull(detail: failure.description) : StoreError.ioFailure(detail: failure.description)
        }
        return entry
    }

    /// Removes an entry once its files are committed or cleaned up.
    public func end(_ entry: URL?) {
        if let entry { try? FileManager.default.removeItem(at: entry) }
    }

    /// The entries left behind, with the paths each names.
    public func leftovers() -> [(entry: URL, paths: [String])] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.sorted().map { name in
            let entry = directory.appendingPathComponent(name)
            let text = (try? String(contentsOf: entry, encoding: .utf8)) ?? ""
            return (entry, text.split(separator: "\n").map(String.init))
        }
    }
}
