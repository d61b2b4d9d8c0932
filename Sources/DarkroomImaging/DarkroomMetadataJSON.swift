import Foundation

/// Darkroom's versioned JSON chunk (keyword `darkroom`): every field of
/// `GenerationMetadata` but the raw chunks, with snake_case keys sorted, so
/// the same metadata always gives the same bytes.
struct DarkroomMetadataJSON: Codable {
    /// The keyword of the chunk.
    static let keyword = "darkroom"
    /// The format version this code writes.
    static let currentVersion = 1

    var version: Int
    var prompt: String?
    var negativePrompt: String?
    var seed: UInt64?
    var steps: Int?
    var guidance: Double?
    var sampler: String?
    var scheduler: String?
    var width: Int?
    var height: Int?
    var modelName: String?
    var modelHash: String?
    var engineVersion: String?
    var rngKind: String?
    var variationSeed: UInt64?
    var variationStrength: Double?
    var generationId: String?
    var imageId: String?
    var batchId: String?
    var parentId: String?
    var extra: [String: String]?
    var denoisingStrength: Double?
    var loraHashes: [GenerationMetadata.LoRAHash]?

    enum CodingKeys: String, CodingKey {
        case version, prompt, seed, steps, guidance, sampler, scheduler, width, height, extra
        case negativePrompt = "negative_prompt", modelName = "model_name", modelHash = "model_hash"
        case engineVersion = "engine_version", rngKind = "rng_kind", variationSeed = "variation_seed"
        case variationStrength = "variation_strength", generationId = "generation_id", imageId = "image_id"
        case batchId = "batch_id", parentId = "parent_id"
        case denoisingStrength = "denoising_strength", loraHashes = "lora_hashes"
    }

    init(_ metadata: GenerationMetadata) {
        version = Self.currentVersion
        prompt = metadata.prompt
        negativePrompt = metadata.negativePrompt
        seed = metadata.seed
        steps = metadata.steps
        guidance = metadata.guidance
        sampler = metadata.sampler
        scheduler = metadata.scheduler
        width = metadata.width
        height = metadata.height
        modelName = metadata.modelName
        modelHash = metadata.modelHash
        engineVersion = metadata.engineVersion
        rngKind = metadata.rngKind
        variationSeed = metadata.variationSeed
        variationStrength = metadata.variationStrength
        generationId = metadata.generationID
        imageId = metadata.imageID
        batchId = metadata.batchID
        parentId = metadata.parentID
        extra = metadata.extra.isEmpty ? nil : metadata.extra
        denoisingStrength = metadata.denoisingStrength
        loraHashes = metadata.loraHashes.isEmpty ? nil : metadata.loraHashes
    }

    /// The metadata this record describes (source `.darkroom`). A record from a
    /// newer version is read as far as its fields are known; its version is kept
    /// in `extra["darkroom_json_version"]`.
    var metadata: GenerationMetadata {
        var extra = self.extra ?? [:]
        if version != Self.currentVersion { extra["darkroom_json_version"] = String(version) }
        var metadata = GenerationMetadata(
            source: .darkroom, prompt: prompt, negativePrompt: negativePrompt, seed: seed, steps: steps,
            guidance: guidance, sampler: sampler, scheduler: scheduler, width: width, height: height,
            modelName: modelName, modelHash: modelHash, engineVersion: engineVersion, rngKind: rngKind,
            variationSeed: variationSeed, variationStrength: variationStrength, generationID: generationId,
            imageID: imageId, batchID: batchId, parentID: parentId, extra: extra)
        metadata.denoisingStrength = denoisingStrength
        metadata.loraHashes = loraHashes ?? []
        return metadata
    }

    /// The JSON text: sorted keys, no whitespace, absent fields omitted.
    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and numbers cannot fail; an empty object is the safe fallback.
        guard let data = try? encoder.encode(self) else { return "{\"version\":\(Self.currentVersion)}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses the chunk text, or nil when it is not a Darkroom record.
    static func parse(_ text: String) -> DarkroomMetadataJSON? {
        try? JSONDecoder().decode(DarkroomMetadataJSON.self, from: Data(text.utf8))
    }
}
