import DarkroomCrypto
import DarkroomEngine
import Foundation

/// A model Darkroom can load: a diffusers folder, or a single-file Stable Diffusion checkpoint.
public struct ModelEntry: Sendable, Codable, Equatable {
    /// How the model is stored.
    public enum Kind: String, Sendable, Codable {
        /// A diffusers folder (holding `model_index.json`).
        case diffusers
        /// A single `.safetensors` file in the original Stable Diffusion layout.
        case checkpoint
    }

    /// The folder's name, or the file's name without its extension.
    public var name: String
    /// Where it is.
    public var path: String
    /// How it is stored.
    public var kind: Kind
    /// The hash generations record: Darkroom's hash of a folder's weight files, or the SHA-256 of a checkpoint file.
    public var hash: String
    /// Bytes on disk (all files of a folder).
    public var byteSize: Int64

    /// The first 10 hex characters of the hash: what A1111 writes as `Model hash` for a checkpoint.
    public var shortHash: String { String(hash.prefix(10)) }

    /// Whether a recorded model hash names this model: the whole hash, or A1111's 10-character prefix of a checkpoint's.
    public func matches(hash recorded: String) -> Bool {
        let recorded = recorded.lowercased()
        return recorded == hash || (kind == .checkpoint && recorded.count == 10 && hash.hasPrefix(recorded))
    }
}

/// The models in a folder of models (the `generate.model_dir` setting): sub-folders holding `model_index.json`
/// and `.safetensors` checkpoint files, one level deep. Hashes are remembered in the folder
/// (`.darkroom-model-hashes.json`, by path, size and modification time) when it can be written, since hashing a
/// multi-gigabyte checkpoint takes seconds.
public enum ModelCatalog {
    /// Every model in `folder`, sorted by name. With `cachingHashes` false the folder is only read (the shipped
    /// model's folder, which may be read-only and belongs to the installation).
    ///
    /// - Throws: ``LibraryError/fileNotFound(path:)`` when the folder does not exist.
    public static func entries(in folder: URL, cachingHashes: Bool = true) throws -> [ModelEntry] {
        let fileManager = FileManager.default
        var isFolder: ObjCBool = false
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw LibraryError.fileNotFound(path: folder.path)
        }
        var cache = HashCache(folder: folder)
        defer { if cachingHashes { cache.save() } }
        let children = (try? fileManager.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        return children.compactMap { url -> ModelEntry? in
            if fileManager.fileExists(atPath: url.appendingPathComponent("model_index.json").path) {
                guard let hash = try? cache.hash(of: url, compute: ModelHash.ofFolder) else { return nil }
                return ModelEntry(name: url.lastPathComponent, path: url.path, kind: .diffusers, hash: hash, byteSize: byteSize(of: url))
            }
            guard url.pathExtension.lowercased() == "safetensors", let hash = try? cache.hash(of: url, compute: ModelHash.ofFile) else { return nil }
            return ModelEntry(name: url.deletingPathExtension().lastPathComponent, path: url.path, kind: .checkpoint, hash: hash,
                              byteSize: byteSize(of: url))
        }.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }
    }

    /// The model called `name` in `folder` (its folder name, file name, or file name without extension).
    public static func entry(named name: String, in folder: URL) throws -> ModelEntry? {
        try entries(in: folder).first { $0.name == name || URL(fileURLWithPath: $0.path).lastPathComponent == name }
    }

    /// The model in `folder` whose hash is `hash` (see ``ModelEntry/matches(hash:)``).
    public static func entry(hash: String, in folder: URL) throws -> ModelEntry? {
        try entries(in: folder).first { $0.matches(hash: hash) }
    }

    static func byteSize(of url: URL) -> Int64 {
        let keys: Set<URLResourceKey> = [.fileSizeKey, .isRegularFileKey]
        guard let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: Array(keys)) else {
            return Int64((try? url.resourceValues(forKeys: keys))?.fileSize ?? 0)
        }
        var total: Int64 = 0
        for case let file as URL in enumerator {
            if let values = try? file.resourceValues(forKeys: keys), values.isRegularFile == true { total += Int64(values.fileSize ?? 0) }
        }
        return total == 0 ? Int64((try? url.resourceValues(forKeys: keys))?.fileSize ?? 0) : total
    }

    /// Hashes by path, remembered with the size and modification time they were computed for.
    struct HashCache {
        struct Entry: Codable { var size: Int64; var modified: Double; var hash: String }
        let url: URL
        var entries: [String: Entry]
        var changed = false

        init(folder: URL) {
            url = folder.appendingPathComponent(".darkroom-model-hashes.json")
            entries = (try? JSONDecoder().decode([String: Entry].self, from: Data(contentsOf: url))) ?? [:]
        }

        mutating func hash(of model: URL, compute: (URL) throws -> String) throws -> String {
            let size = ModelCatalog.byteSize(of: model)
            let modified = ((try? FileManager.default.attributesOfItem(atPath: model.path))?[.modificationDate] as? Date)?
                .timeIntervalSince1970 ?? 0
            if let known = entries[model.lastPathComponent], known.size == size, known.modified == modified { return known.hash }
            let hash = try compute(model)
            entries[model.lastPathComponent] = Entry(size: size, modified: modified, hash: hash)
            changed = true
            return hash
        }

        func save() {
            guard changed, let data = try? JSONEncoder().encode(entries) else { return }
            try? data.write(to: url, options: .atomic)   // a read-only model folder is hashed again next time
        }
    }
}
