import DarkroomCrypto
import Foundation

/// A textual-inversion embedding a prompt uses: the `.safetensors` file named like a word of the prompt, in the folder
/// the `generate.embeddings_dir` setting names (as A1111 picks embeddings from its `embeddings` folder). The file's name
/// is the token, whatever the file holds (a diffusers `learned_embeds.safetensors` for `<cat-toy>` is used as
/// `<cat-toy>.safetensors`), as A1111 does.
public struct EmbeddingSelection: Sendable, Equatable {
    /// The token the prompt names it with (the file's name without extension).
    public var name: String
    /// The file.
    public var url: URL
    /// SHA-256 of the file.
    public var sha256: String

    /// What the generation records of it.
    public var recorded: GenerationInputs.Embedding { GenerationInputs.Embedding(name: name, sha256: sha256) }

    /// The embeddings of `directory` whose names appear as words in `texts` (prompt and negative prompt).
    public static func used(in texts: [String], directory: URL?) throws -> [EmbeddingSelection] {
        guard let directory, let files = try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil) else {
            return []
        }
        let words = Set(texts.flatMap { $0.split(whereSeparator: { !($0.isLetter || $0.isNumber || "-_<>".contains($0)) }).map(String.init) })
        return try files.filter { $0.pathExtension.lowercased() == "safetensors" && words.contains($0.deletingPathExtension().lastPathComponent) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
            .map { EmbeddingSelection(name: $0.deletingPathExtension().lastPathComponent, url: $0, sha256: try ContentHash.sha256Hex(fileAt: $0)) }
    }

    /// The embedding a generation recorded, found again in `directory` by its hash: for `rerun` and `verify`.
    ///
    /// - Throws: ``LibraryError/loraNotFound(name:directory:)`` when no file there has that hash.
    public static func find(_ recorded: GenerationInputs.Embedding, directory: URL?) throws -> EmbeddingSelection {
        if let directory, let files = try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil) {
            for url in files where url.pathExtension.lowercased() == "safetensors" {
                if let hash = try? ContentHash.sha256Hex(fileAt: url), hash == recorded.sha256 {
                    return EmbeddingSelection(name: recorded.name, url: url, sha256: hash)
                }
            }
        }
        throw LibraryError.loraNotFound(name: "embedding \(recorded.name) (sha256 \(recorded.sha256.prefix(10)))", directory: directory?.path)
    }
}
