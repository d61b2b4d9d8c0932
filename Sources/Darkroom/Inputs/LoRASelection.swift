import DarkroomCrypto
import Foundation

/// A LoRA chosen for a run: where its file is, its weight, and what the generation records of it.
public struct LoRASelection: Sendable, Equatable {
    /// The file's name without extension.
    public var name: String
    /// The `.safetensors` file.
    public var url: URL
    /// The weight (1 = as trained).
    public var scale: Double
    /// SHA-256 of the file.
    public var sha256: String

    /// What the generation records of it.
    public var recorded: GenerationInputs.LoRA { GenerationInputs.LoRA(name: name, sha256: sha256, scale: scale) }

    /// A LoRA named on the command line: `FILE`, `NAME` (a file `NAME.safetensors` in `directory`), either followed
    /// by `:SCALE`.
    ///
    /// - Throws: ``LibraryError/loraNotFound(name:directory:)``, or ``LibraryError/generatorUnavailable(_:)`` for a pickle.
    public static func resolve(_ spec: String, directory: URL?) throws -> LoRASelection {
        var reference = spec, scale = 1.0
        if let colon = spec.lastIndex(of: ":"), let value = Double(spec[spec.index(after: colon)...]), value.isFinite {
            reference = String(spec[..<colon])
            scale = value
        }
        return try resolve(name: reference, scale: scale, directory: directory)
    }

    /// The LoRA `name` (a file path, or a name in `directory`) at `scale`.
    public static func resolve(name: String, scale: Double, directory: URL?) throws -> LoRASelection {
        let fileManager = FileManager.default
        var candidates = [URL(fileURLWithPath: (name as NSString).expandingTildeInPath)]
        if let directory, !name.contains("/") {
            candidates += [directory.appendingPathComponent("\(name).safetensors"), directory.appendingPathComponent(name)]
        }
        guard let url = candidates.first(where: { fileManager.fileExists(atPath: $0.path) && !$0.hasDirectoryPath }) else {
            throw LibraryError.loraNotFound(name: name, directory: directory?.path)
        }
        if let refusal = ModelLocator.refusal(for: url) { throw refusal }
        return LoRASelection(name: url.deletingPathExtension().lastPathComponent, url: url, scale: scale,
                             sha256: try ContentHash.sha256Hex(fileAt: url))
    }

    /// The LoRA a generation recorded, found again in `directory` by its hash (then by name): for `rerun` and `verify`.
    ///
    /// - Throws: ``LibraryError/loraNotFound(name:directory:)`` when no file there has that hash.
    public static func find(_ recorded: GenerationInputs.LoRA, directory: URL?) throws -> LoRASelection {
        if let directory, let files = try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil) {
            let named = files.filter { $0.deletingPathExtension().lastPathComponent == recorded.name }
            for url in named + files where url.pathExtension.lowercased() == "safetensors" {
                if let hash = try? ContentHash.sha256Hex(fileAt: url), hash.hasPrefix(recorded.sha256.lowercased()) {
                    return LoRASelection(name: recorded.name, url: url, scale: recorded.scale, sha256: hash)
                }
            }
        }
        throw LibraryError.loraNotFound(name: "\(recorded.name) (sha256 \(recorded.sha256.prefix(10)))", directory: directory?.path)
    }
}

/// A1111's LoRA syntax in a prompt: `<lora:NAME:SCALE>` (scale optional, default 1). The tags choose LoRAs and are
/// removed from the text the text encoder sees; the stored prompt keeps them, as A1111's does.
public enum LoRAPromptTags {
    /// The `(name, scale)` of every tag, in order.
    public static func tags(in prompt: String) -> [(name: String, scale: Double)] {
        matches(in: prompt).map { ($0.name, $0.scale) }
    }

    /// `prompt` without its tags (and the spaces a removed tag leaves doubled).
    public static func removingTags(from prompt: String) -> String {
        var text = prompt
        for match in matches(in: prompt).reversed() { text.removeSubrange(match.range) }
        return text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .replacingOccurrences(of: " ,", with: ",")
    }

    private static func matches(in prompt: String) -> [(range: Range<String.Index>, name: String, scale: Double)] {
        var found: [(Range<String.Index>, String, Double)] = []
        var search = prompt.startIndex
        while let open = prompt.range(of: "<lora:", options: .caseInsensitive, range: search..<prompt.endIndex),
              let close = prompt.range(of: ">", range: open.upperBound..<prompt.endIndex) {
            let body = prompt[open.upperBound..<close.lowerBound]
            var name = String(body), scale = 1.0
            if let colon = body.lastIndex(of: ":"), let value = Double(body[body.index(after: colon)...]) {
                name = String(body[..<colon])
                scale = value
            }
            if !name.isEmpty { found.append((open.lowerBound..<close.upperBound, name, scale)) }
            search = close.upperBound
        }
        return found
    }
}
