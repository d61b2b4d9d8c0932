import Foundation

/// A journal of picture files being written but not yet committed.
///
/// Before a writer creates picture files it records their relative paths as the note of a slot in
/// `LIBRARY/locks/pending` (``LockSlots``, held while it writes); after its database commit (or its
/// cleanup) it empties the note. A note still present when the next process opens the library (holding
/// the exclusive files lock, so no writer is active) names files whose writer died: those not referenced
/// by a committed row are removed. This keeps the open-time recovery cheap — no walk over every picture —
/// and the hot path free of file creation and deletion.
public struct PendingWriteJournal: Sendable {
    /// The library folder.
    public let folder: URL

    /// The journal of the library at `folder`.
    public init(folder: URL) { self.folder = folder }

    /// One journal entry: a held slot, or (left by an earlier version) a file of its own.
    public enum Entry: Sendable {
        /// A slot of `locks/pending`, held by the writer or left by one that died.
        case slot(index: Int, held: LockSlots.Slot?)
        /// `locks/pending/UUID`, the entry format of schema versions before 7.
        case file(URL)
    }

    var directory: URL { folder.appendingPathComponent("locks/pending") }
    var slots: LockSlots { LockSlots(directory: directory) }

    /// Records that `paths` are about to be written; returns the entry to pass to ``end(_:)``.
    public func begin(paths: [String]) throws -> Entry {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // Not flushed: the journal guards against a crashed process (the page cache survives
            // it); after a power cut `doctor`'s full walk finds what an entry would have named.
            let slot = try slots.acquire(note: paths.joined(separator: "\n"), keepingAbandoned: true)
            return .slot(index: slot.index, held: slot)
        } catch let failure as POSIXFailure {
            throw failure.isDiskFull ? StoreError.diskFull(detail: failure.description) : StoreError.ioFailure(detail: failure.description)
        }
    }

    /// Clears an entry once its files are committed or cleaned up.
    public func end(_ entry: Entry?) {
        switch entry {
        case .slot(_, let held?): held.release()
        case .slot(let index, nil): try? slots.clear(index)
        case .file(let url): try? FileManager.default.removeItem(at: url)
        case nil: break
        }
    }

    /// The entries left behind by writers that died, with the paths each names.
    public func leftovers() -> [(entry: Entry, paths: [String])] {
        let abandoned = ((try? slots.abandonedNotes()) ?? []).map { (entry: Entry.slot(index: $0.index, held: nil), paths: Self.paths($0.note)) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let legacy = names.filter { !$0.hasPrefix("slot-") }.sorted().map { name in
            let url = directory.appendingPathComponent(name)
            return (entry: Entry.file(url), paths: Self.paths(FileLock.readNote(url.path) ?? ""))
        }
        return abandoned + legacy
    }

    private static func paths(_ note: String) -> [String] { note.split(separator: "\n").map(String.init) }
}
