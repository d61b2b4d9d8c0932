/// Reads InvokeAI metadata: `invokeai_metadata` (3.x and later: a flat JSON
/// object) and the older `sd-metadata` (2.x: settings under `image`).
enum InvokeAIMetadata {
    private static let knownKeys: Set<String> = [
        "positive_prompt", "negative_prompt", "seed", "steps", "cfg_scale", "scheduler", "width", "height", "model",
    ]

    /// Parses `invokeai_metadata`; nil when it is not a JSON object.
    static func parse(invokeAIMetadata text: String) -> GenerationMetadata? {
        guard let object = JSONFields.object(text) else { return nil }
        var metadata = GenerationMetadata(source: .invokeai)
        metadata.prompt = JSONFields.string(object["positive_prompt"])
        metadata.negativePrompt = JSONFields.string(object["negative_prompt"])
        metadata.seed = JSONFields.uint64(object["seed"])
        metadata.steps = JSONFields.int(object["steps"])
        metadata.guidance = JSONFields.double(object["cfg_scale"])
        metadata.width = JSONFields.int(object["width"])
        metadata.height = JSONFields.int(object["height"])
        if let scheduler = JSONFields.string(object["scheduler"]) {
            metadata.sampler = scheduler
            metadata.scheduler = SamplerNames.schedulerKind(invokeAIName: scheduler)
        }
        if let model = object["model"] as? [String: Any] {
            metadata.modelName = JSONFields.string(model["name"]) ?? JSONFields.string(model["model_name"])
            metadata.modelHash = JSONFields.string(model["hash"])
        } else {
            metadata.modelName = JSONFields.string(object["model"])
        }
        metadata.extra = JSONFields.unmodelledScalars(of: object, known: knownKeys)
        return metadata
    }

    /// Parses InvokeAI 2.x `sd-metadata`; nil when it is not a JSON object.
    static func parse(legacySDMetadata text: String) -> GenerationMetadata? {
        guard let object = JSONFields.object(text) else { return nil }
        let image = object["image"] as? [String: Any] ?? [:]
        var metadata = GenerationMetadata(source: .invokeai)
        switch image["prompt"] {
        case let text as String:
            metadata.prompt = text
        case let parts as [[String: Any]]:
            metadata.prompt = parts.compactMap { JSONFields.string($0["prompt"]) }.joined(separator: " ")
        default:
            break
        }
        metadata.seed = JSONFields.uint64(image["seed"])
        metadata.steps = JSONFields.int(image["steps"])
        metadata.guidance = JSONFields.double(image["cfg_scale"])
        metadata.width = JSONFields.int(image["width"])
        metadata.height = JSONFields.int(image["height"])
        if let sampler = JSONFields.string(image["sampler"]) {
            metadata.sampler = sampler
            metadata.scheduler = SamplerNames.schedulerKind(invokeAIName: sampler)
        }
        metadata.modelName = JSONFields.string(object["model_weights"])
        metadata.modelHash = JSONFields.string(object["model_hash"])
        metadata.engineVersion = JSONFields.string(object["app_version"])
        metadata.extra = JSONFields.unmodelledScalars(of: object, known: ["model_weights", "model_hash", "app_version"])
            .merging(JSONFields.unmodelledScalars(of: image, known: ["prompt", "seed", "steps", "cfg_scale", "width", "height", "sampler"],
                                                  prefix: "image."), uniquingKeysWith: { first, _ in first })
        return metadata
    }
}
