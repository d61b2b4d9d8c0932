import Darkroom
import DarkroomStore
import Foundation

/// Which model a command loads, from its `--model` option and the settings.
enum ModelChoice {
    /// `--model` (a folder, or a name in `generate.model_dir`), else the `generate.model` setting, else the shipped model.
    static func forNew(_ option: String?, defaults: GenerationDefaults) throws -> URL {
        try ModelLocator.locate(explicit: option ?? defaults.model, modelDirectory: defaults.modelDirectory)
    }

    /// The model `generation` was made with (`rerun`, `verify`, `vary`), or `--model` when given: never another
    /// model silently (``LibraryError/modelUnavailable(name:hash:)``, exit 21).
    static func forRecorded(_ generation: GenerationRecord, option: String?, library: Library) async throws -> URL {
        let defaults = try await GenerationDefaults.load(from: library)
        if let option { return try ModelLocator.locate(explicit: option, modelDirectory: defaults.modelDirectory) }
        return try ModelLocator.locateRecorded(name: generation.modelID, hash: generation.modelHash, path: generation.modelPath,
                                               modelDirectory: defaults.modelDirectory)
    }
}
