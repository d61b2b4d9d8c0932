#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A transport over a shared folder (a file-sync tool's folder, a network share, a USB
/// stick). Each device writes only into its own sub-folder, so no file ever has two writers:
///
/// ```
/// ROOT/<writer device id>/<counter, 12 digits>.<object name with "/" written as "~">
/// ```
/// Writes go to a hidden temporary file in the same folder, are flushed with `fsync`, then
/// renamed into place, so a reader never sees a half-written file from this writer. The
/// listing ignores hidden files, temporary files of other tools and anything that does
/// not match the pattern; a file that a sync tool is still copying fails verification
/// in the reader and is picked up again on the next full listing.
///
/// The cursor records, per writer folder, the highest counter up to which every file has
/// been seen, so files arriving out of order (as sync tools deliver them) are not skipped:
/// a later listing repeats everything above the first gap.
public actor FolderTransport: SyncTransport {
    /// The shared folder.
    public let root: URL
    /// The device whose sub-folder this transport writes.
    public let writer: DeviceID
    private var ownIndex: [ObjectName: URL]? = nil
    private var nextCounter = 1
    private var knownPaths: [ObjectName: URL] = [:]

    /// A transport writing into `root/<writer>/`; creates the folders when missing.
    public init(root: URL, writer: DeviceID) throws {
        self.root = root
        self.writer = writer
        do {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(writer.rawValue), withIntermediateDirectories: true)
        } catch {
            throw TransportError.io("cannot create \(root.path)/\(writer.rawValue): \(error.localizedDescription)")
        }
    }

    /// Writes `object` with temp file, fsync and rename; a no-op if this device already
    /// stored the same bytes under `name`.
    public func put(_ object: Data, name: ObjectName) async throws {
        let index = try loadOwnIndex()
        if let existing = index[name] {
            guard (try? Data(contentsOf: existing)) == object else { throw TransportError.conflict(name) }
            return
        }
        let folder = root.appendingPathComponent(writer.rawValue)
        let final = folder.appendingPathComponent(String(format: "%012d", nextCounter) + "." + name.rawValue.replacingOccurrences(of: "/", with: "~"))
        let temp = folder.appendingPathComponent(".tmp-\(UUID().uuidString)")
        do {
            guard FileManager.default.createFile(atPath: temp.path, contents: nil) else { throw TransportError.io("cannot create \(temp.path)") }
            let handle = try FileHandle(forWritingTo: temp)
            try handle.write(contentsOf: object)
            try handle.synchronize()
            try handle.close()
            guard rename(temp.path, final.path) == 0 else { throw TransportError.io("rename to \(final.path) failed (errno \(errno))") }
            Self.syncDirectory(folder)
        } catch let error as TransportError {
            try? FileManager.default.removeItem(at: temp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw TransportError.io("writing \(final.lastPathComponent): \(error.localizedDescription)")
        }
        ownIndex?[name] = final
        knownPaths[name] = final
        nextCounter += 1
    }

    /// Lists every writer folder above the cursor's contiguous counters (no paging).
    public func list(after cursor: TransportCursor?) async throws -> TransportListing {
        var seen: [String: Int] = [:]
        if let cursor {
            guard let data = cursor.rawValue.data(using: .utf8),
                  let decoded = try? JSONDecoder().decode([String: Int].self, from: data) else {
                throw TransportError.invalidCursor(cursor.rawValue)
            }
            seen = decoded
        }
        var names: [ObjectName] = []
        var next = seen
        for folder in try writerFolders() {
            let entries = try Self.entries(in: root.appendingPathComponent(folder))
            let above = entries.filter { $0.counter > seen[folder, default: 0] }
            var contiguous = seen[folder, default: 0]
            for entry in above {
                if entry.counter == contiguous + 1 { contiguous = entry.counter }
                names.append(entry.name)
                knownPaths[entry.name] = entry.url
            }
            next[folder] = contiguous
        }
        let encoded = String(decoding: try JSONEncoder.sorted.encode(next), as: UTF8.self)
        return TransportListing(names: names, nextCursor: TransportCursor(rawValue: encoded), hasMore: false)
    }

    /// Reads the file holding `name`, in whichever writer's folder it is.
    public func get(_ name: ObjectName) async throws -> Data {
        if knownPaths[name] == nil { _ = try await list(after: nil) }
        guard let url = knownPaths[name] else { throw TransportError.notFound(name) }
        do { return try Data(contentsOf: url) } catch { throw TransportError.notFound(name) }
    }

    /// Whether the file holding `name` is there (a full listing when this transport has not seen it).
    public func contains(_ name: ObjectName) async throws -> Bool {
        if let url = knownPaths[name], FileManager.default.fileExists(atPath: url.path) { return true }
        knownPaths[name] = nil
        _ = try await list(after: nil)
        guard let url = knownPaths[name] else { return false }
        return FileManager.default.fileExists(atPath: url.path)
    }

    private func loadOwnIndex() throws -> [ObjectName: URL] {
        if let ownIndex { return ownIndex }
        let folder = root.appendingPathComponent(writer.rawValue)
        // This device is the folder's only writer: leftover temp files are from interrupted puts.
        for file in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where file.hasPrefix(".tmp-") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(file))
        }
        let entries = try Self.entries(in: folder)
        let index = Dictionary(entries.map { ($0.name, $0.url) }, uniquingKeysWith: { a, _ in a })
        nextCounter = (entries.map(\.counter).max() ?? 0) + 1
        ownIndex = index
        return index
    }

    private func writerFolders() throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: root.path)
                .filter { DeviceID(rawValue: $0) != nil }
                .sorted()
        } catch {
            throw TransportError.io("cannot list \(root.path): \(error.localizedDescription)")
        }
    }

    /// The well-formed object files in one writer folder, by counter.
    private static func entries(in folder: URL) throws -> [(counter: Int, name: ObjectName, url: URL)] {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw TransportError.io("cannot list \(folder.path): \(error.localizedDescription)")
        }
        var out: [(Int, ObjectName, URL)] = []
        for file in files where !file.hasPrefix(".") {
            guard let dot = file.firstIndex(of: "."), file.distance(from: file.startIndex, to: dot) == 12,
                  let counter = Int(file[..<dot]), counter > 0,
                  let name = ObjectName(rawValue: file[file.index(after: dot)...].replacingOccurrences(of: "~", with: "/"))
            else { continue }
            out.append((counter, name, folder.appendingPathComponent(file)))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// Flushes a directory entry (the rename) to disk; best effort.
    private static func syncDirectory(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY)
        if fd >= 0 {
            _ = fsync(fd)
            _ = close(fd)
        }
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, for bytes that must not depend on dictionary order.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
