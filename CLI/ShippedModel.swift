import Darkroom
import Foundation

/// Where the CLI finds the model shipped with Darkroom (an app finds it in its bundle).
enum ShippedModel {
    /// Folders searched, in order: `$DARKROOM_MODELS/NAME`; `share/darkroom/models/NAME` beside the
    /// executable's folder (an installed layout); and `Fixtures/models/NAME` in any folder above the
    /// executable (a source checkout's `.build/…/darkroom`), then above the current directory.
    static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment,
                           executable: URL = URL(fileURLWithPath: CommandLine.arguments.first ?? "")) -> [URL] {
        let name = ModelLocator.defaultModelName
        var candidates: [URL] = []
        if let models = environment["DARKROOM_MODELS"], !models.isEmpty {
            candidates.append(URL(fileURLWithPath: models).appendingPathComponent(name))
        }
        let binary = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(binary.deletingLastPathComponent().appendingPathComponent("share/darkroom/models/\(name)"))
        for start in [binary, URL(fileURLWithPath: FileManager.default.currentDirectoryPath)] {
            var folder = start
            for _ in 0..<8 {
                candidates.append(folder.appendingPathComponent("Fixtures/models/\(name)"))
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return candidates
    }

    /// The shipped model's folder.
    ///
    /// - Throws: ``LibraryError/generatorUnavailable(_:)`` saying where it looked.
    static func folder() throws -> URL {
        let candidates = candidates()
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("model_index.json").path) }) {
            return found
        }
        throw LibraryError.generatorUnavailable("""
            the default model '\(ModelLocator.defaultModelName)' was not found. Pass --model DIR (a diffusers folder), or set \
            DARKROOM_MODELS to the folder holding it. Looked in: \(candidates.prefix(4).map(\.path).joined(separator: ", ")), …
            """)
    }

    /// The model `explicit` names (``ModelLocator/locate(explicit:modelDirectory:)``), else the shipped one.
    static func or(_ explicit: String?, modelDirectory: URL?) throws -> URL {
        try explicit.map { try ModelLocator.locate(explicit: $0, modelDirectory: modelDirectory) } ?? folder()
    }
}
