import Darkroom
import Foundation

/// Which model (and LoRAs) a command loads, from its `--model` option, the settings and what a generation recorded.
enum ModelChoice {
    /// `--model` (a folder, or a name in `generate.model_dir`), else the `generate.model` setting, else the shipped model.
    static func forNew(_ option: String?, defaults: GenerationDefaults) throws -> URL {
        try ShippedModel.or(option ?? defaults.model, modelDirectory: defaults.modelDirectory)
    }

    /// The model `generation` was made with (`rerun`, `verify`, `vary`), or `--model` when given: never another
    /// model silently (``LibraryError/modelUnavailable(name:hash:)``, exit 21).
    static func forRecorded(_ generation: GenerationRecord, option: String?, library: Library) async throws -> URL {
        let defaults = try await GenerationDefaults.load(from: library)
        if let option { return try ModelLocator.locate(explicit: option, modelDirectory: defaults.modelDirectory) }
        return try ModelLocator.locateRecorded(name: generation.modelID, hash: generation.modelHash, path: generation.modelPath,
                                               modelDirectory: defaults.modelDirectory, shipped: try? ShippedModel.folder())
    }

    /// The engine for re-running `generation` from `folder`: its recorded LoRAs found again by hash in
    /// `generate.lora_dir` (exit 22 when one is missing), and its input pictures downloaded when they synced lazily.
    static func generator(reRunning generation: GenerationRecord, from folder: URL, library: Library) async throws -> EngineGenerator {
        let defaults = try await GenerationDefaults.load(from: library)
        let inputs = GenerationInputs(storedJSON: generation.inputs)
        let loras = try (inputs?.loras ?? []).map { try LoRASelection.find($0, directory: defaults.loraDirectory) }
        let embeddings = try (inputs?.embeddings ?? []).map { try EmbeddingSelection.find($0, directory: defaults.embeddingsDirectory) }
        let inputItems = [inputs?.initImage, inputs?.mask].compactMap { $0?.generationID }
        var items: [GalleryItem] = []
        for id in inputItems { items.append(try await library.item(id)) }
        try await LazyPictures.fetch(items, library: library)
        return try EngineGenerator.load(model: folder, tokenizer: defaults.tokenizer, loras: loras, embeddings: embeddings)
    }
}
