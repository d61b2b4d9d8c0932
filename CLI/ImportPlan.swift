import Darkroom
import Foundation

/// The files `import` will read, found before the first is imported so that progress has a total: the
/// given files, and the `.png` files inside given folders (recursively, sorted by path), as
/// `Library.importImages(at:)` finds them.
struct ImportPlan {
    /// Files to import, in order.
    var files: [URL] = []
    /// Files inside the folders that are not PNGs (reported, not read).
    var skippedNonPNG: [String] = []

    /// - Throws: ``LibraryError/fileNotFound(path:)`` for a path that does not exist, before anything is imported.
    init(_ paths: [URL]) throws {
        for url in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw LibraryError.fileNotFound(path: url.path)
            }
            guard isDirectory.boolValue else { files.append(url); continue }
            let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey])
            var found: [URL] = []
            while let entry = walker?.nextObject() as? URL {
                guard (try? entry.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                if entry.pathExtension.lowercased() == "png" { found.append(entry) } else { skippedNonPNG.append(entry.path) }
            }
            files += found.sorted { $0.path < $1.path }
        }
    }
}
