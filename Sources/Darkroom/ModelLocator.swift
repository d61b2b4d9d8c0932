import Foundation

/// Finds model folders: the one the user names, or the default model shipped with Darkroom.
public enum ModelLocator {
    /// The folder name of the shipped default model.
    public static let defaultModelName = "darkroom-shapes-v1"

    /// Folders searched for the default model, in order:
    /// `$DARKROOM_MODELS/NAME`; `share/darkroom/models/NAME` beside the executable's folder
    /// (an installed layout); and `Fixtures/models/NAME` in any folder above the executable
    /// (a source checkout's `.build/…/darkroom`), then above the current directory.
    public static func defaultModelCandidates(environment: [String: String] = ProcessInfo.processInfo.environment,
                                              executable: URL = URL(fileURLWithPath: CommandLine.arguments.first ?? "")) -> [URL] {
        var candidates: [URL] = []
        if let models = environment["DARKROOM_MODELS"], !models.isEmpty {
            candidates.append(URL(fileURLWithPath: models).appendingPathComponent(defaultModelName))
        }
        let binary = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(binary.deletingLastPathComponent().appendingPathComponent("share/darkroom/models/\(defaultModelName)"))
        for start in [binary, URL(fileURLWithPath: FileManager.default.currentDirectoryPath)] {
            var folder = start
            for _ in 0..<8 {
                candidates.append(folder.appendingPathComponent("Fixtures/models/\(defaultModelName)"))
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return candidates
    }

    /// The model folder to use: `explicit` when given (it must exist), else the first default candidate that exists.
    ///
    /// - Throws: ``LibraryError/generatorUnavailable(_:)`` naming what is missing and where it looked.
    public static func locate(explicit: String?) throws -> URL {
        if let explicit {
            let url = URL(fileURLWithPath: explicit)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("model_index.json").path) else {
                throw LibraryError.generatorUnavailable(
                    "\(url.path) is not a diffusers model folder (it has no model_index.json).")
            }
            return url
        }
        let candidates = defaultModelCandidates()
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("model_index.json").path) }) {
            return found
        }
        throw LibraryError.generatorUnavailable("""
            the default model '\(defaultModelName)' was not found. Pass --model DIR (a diffusers folder), or set \
            DARKROOM_MODELS to the folder holding it. Looked in: \(candidates.prefix(4).map(\.path).joined(separator: ", ")), …
            """)
    }
}
