#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The content-addressed picture files of a library.
///
/// Layout under the library folder:
/// ```
/// images/ab/abcdef….png        the picture, named by the SHA-256 of its bytes
/// thumbnails/ab/abcdef….png    its thumbnail
/// tmp/                         files being written (never referenced)
/// ```
/// Writes are atomic: temp file, `fsync`, `rename`, `fsync` of the folder — and
/// only then does the caller commit the database row. A crash in between leaves
/// an unreferenced file, which ``sweep(keeping:)`` removes on the next open.
public struct ImageFileStore: Sendable {
    /// The library folder.
    public let folder: URL

    /// The store for the library at `folder`.
    public init(folder: URL) { self.folder = folder }

    /// Relative path of the picture with this hash.
    public static func imagePath(hash: String, format: String = "png") -> String {
        "images/\(hash.prefix(2))/\(hash).\(format)"
    }

    /// Relative path of the thumbnail of the picture with this hash.
    public static func thumbnailPath(hash: String) -> String {
        "thumbnails/\(hash.prefix(2))/\(hash).png"
    }

    /// The absolute URL of a relative library path.
    public func url(_ relativePath: String) -> URL { folder.appendingPathComponent(relativePath) }

    /// Writes `data` at `relativePath` atomically. An existing file of the same size is kept (same content).
    ///
    /// With `durable` (pictures) the data and the folder entry are flushed to the disk before
    /// returning, so a row committed afterwards never points at a file a power cut lost. Derived
    /// files (thumbnails) pass false: still atomic against a crashed process, and `doctor` remakes
    /// one a power cut damaged; this saves two of the job's fsyncs.
    ///
    /// - Throws: ``StoreError/diskFull(detail:)`` when space runs out, ``StoreError/ioFailure(detail:)`` otherwise;
    ///   in both cases nothing is left at `relativePath` that was not there before.
    public func write(_ data: Data, to relativePath: String, durable: Bool = true) throws {
        let target = url(relativePath)
        if let size = (try? FileManager.default.attributesOfItem(atPath: target.path))?[.size] as? Int, size == data.count {
            return
        }
        let tmpDir = folder.appendingPathComponent("tmp")
        do {
            try FileManager.default.createDirectory(at: tmpDir, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw StoreError.fileSystem(error)
        }
        let tmp = tmpDir.appendingPathComponent("\(StableID.make()).partial").path
        do {
            try Self.writeSynced(data, path: tmp, sync: durable)
            guard rename(tmp, target.path) == 0 else { throw POSIXFailure.current("rename to \(relativePath)") }
            if durable { Self.syncDirectory(target.deletingLastPathComponent().path) }
        } catch let failure as POSIXFailure {
            unlink(tmp)
            throw failure.isDiskFull ? StoreError.diskFull(detail: failure.description) : StoreError.ioFailure(detail: failure.description)
        }
    }

    /// Removes the file at `relativePath` if it exists.
    public func remove(_ relativePath: String) {
        unlink(url(relativePath).path)
    }

    /// What ``sweep(keeping:quarantine:)`` did with the files no row references.
    public struct SweepResult: Sendable, Equatable {
        /// Pictures moved into the quarantine folder (their paths relative to the library before the move).
        public var quarantined: [String] = []
        /// Thumbnails and temporary files removed (derived or partial data: nothing of the user's).
        public var removed: [String] = []
    }

    /// The folder unreferenced pictures are moved into: `quarantine/`, one subfolder per sweep.
    public static let quarantineFolder = "quarantine"

    /// Moves every picture in `images/` whose relative path is not in `referenced` into
    /// `quarantine/STAMP/images/…` (never deleting one: a picture no row references may be all that
    /// is left of a row the database lost), and removes unreferenced thumbnails and everything in `tmp/`.
    ///
    /// The caller must hold the exclusive files lock (see ``FileLock``).
    @discardableResult
    public func sweep(keeping referenced: Set<String>, quarantine stamp: String) -> SweepResult {
        var result = SweepResult()
        for top in ["images", "thumbnails", "tmp"] {
            let base = folder.appendingPathComponent(top)
            guard let walker = FileManager.default.enumerator(atPath: base.path) else { continue }
            while let entry = walker.nextObject() as? String {
                let relative = "\(top)/\(entry)"
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url(relative).path, isDirectory: &isDirectory),
                      !isDirectory.boolValue, top == "tmp" || !referenced.contains(relative) else { continue }
                if top == "images" {
                    let target = url("\(Self.quarantineFolder)/\(stamp)/\(relative)")
                    try? FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                    if rename(url(relative).path, target.path) == 0 { result.quarantined.append(relative) }
                } else if unlink(url(relative).path) == 0 {
                    result.removed.append(relative)
                }
            }
        }
        result.quarantined.sort()
        result.removed.sort()
        return result
    }

    /// The pictures kept in quarantine, as absolute URLs, oldest sweep first.
    public func quarantinedPictures() -> [URL] {
        let base = folder.appendingPathComponent(Self.quarantineFolder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var found: [URL] = []
        while let entry = walker.nextObject() as? URL {
            if (try? entry.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { found.append(entry) }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// Removes quarantine sweeps older than `cutoff` (by their folder's modification time); returns how many entries went with them.
    @discardableResult
    public func purgeQuarantine(olderThan cutoff: Date) -> Int {
        let base = folder.appendingPathComponent(Self.quarantineFolder)
        var removed = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? [] {
            let sweep = base.appendingPathComponent(name)
            guard let made = (try? FileManager.default.attributesOfItem(atPath: sweep.path))?[.modificationDate] as? Date,
                  made < cutoff else { continue }
            removed += (FileManager.default.enumerator(atPath: sweep.path)?.allObjects.count ?? 0)
            try? FileManager.default.removeItem(at: sweep)
        }
        return removed
    }

    static func writeSynced(_ data: Data, path: String, sync: Bool = true) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXFailure.current("create \(path)") }
        defer { close(fd) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw POSIXFailure.current("write \(path)")
                }
                offset += n
            }
        }
        guard !sync || fsync(fd) == 0 else { throw POSIXFailure.current("fsync \(path)") }
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
