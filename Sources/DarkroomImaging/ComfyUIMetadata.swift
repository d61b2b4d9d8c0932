/// Reads ComfyUI's `prompt` chunk: the API-format graph, an object of node id
/// → `{"class_type": …, "inputs": {…}}` where an input linked to another node
/// is `[node id, output index]`.
///
/// The first sampler node (class type containing `KSampler` or
/// `SamplerCustom`, lowest id first) gives seed (`seed` / `noise_seed`), steps,
/// cfg, sampler_name and scheduler; its `positive` / `negative` links are
/// followed (through conditioning nodes) to the text of a `CLIPTextEncode`-like
/// node; the first `EmptyLatentImage`-like node gives the size and the first
/// `CheckpointLoader`-like node the model. The `workflow` chunk (UI graph) is
/// kept raw only.
enum ComfyUIMetadata {
    /// Parses the chunks; nil when neither chunk is present or `prompt` is not
    /// a JSON object (and there is no `workflow`).
    static func parse(prompt: String?, workflow: String?) -> GenerationMetadata? {
        guard prompt != nil || workflow != nil else { return nil }
        var metadata = GenerationMetadata(source: .comfyui)
        guard let promptJSON = prompt, let graph = JSONFields.object(promptJSON) else {
            return workflow.flatMap(JSONFields.object) != nil ? metadata : nil
        }
        let nodes = graph.compactMapValues { $0 as? [String: Any] }
        let orderedIDs = nodes.keys.sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
        func classType(_ id: String) -> String { nodes[id]?["class_type"] as? String ?? "" }
        func inputs(_ id: String) -> [String: Any] { nodes[id]?["inputs"] as? [String: Any] ?? [:] }
        func firstNode(where matches: (String) -> Bool) -> String? { orderedIDs.first { matches(classType($0)) } }

        if let sampler = firstNode(where: { $0.contains("KSampler") || $0.contains("SamplerCustom") }) {
            let values = inputs(sampler)
            metadata.seed = JSONFields.uint64(values["seed"]) ?? JSONFields.uint64(values["noise_seed"])
            metadata.steps = JSONFields.int(values["steps"])
            metadata.guidance = JSONFields.double(values["cfg"])
            let samplerName = JSONFields.string(values["sampler_name"])
            let scheduler = JSONFields.string(values["scheduler"])
            metadata.sampler = samplerName
            if let scheduler { metadata.extra["comfyui_scheduler"] = scheduler }
            if let denoise = JSONFields.string(values["denoise"]) { metadata.extra["denoise"] = denoise }
            metadata.scheduler = samplerName.flatMap { SamplerNames.schedulerKind(comfySampler: $0, comfyScheduler: scheduler) }
            metadata.prompt = text(following: values["positive"], in: nodes)
            metadata.negativePrompt = text(following: values["negative"], in: nodes)
        }
        if let latent = firstNode(where: { $0.contains("EmptyLatentImage") || $0 == "EmptySD3LatentImage" }) {
            metadata.width = JSONFields.int(inputs(latent)["width"])
            metadata.height = JSONFields.int(inputs(latent)["height"])
        }
        if let loader = firstNode(where: { $0.contains("CheckpointLoader") }) {
            metadata.modelName = JSONFields.string(inputs(loader)["ckpt_name"])
        }
        return metadata
    }

    /// Input names that hold a prompt's text, directly or linked from a string node.
    private static let textInputs = ["text", "text_g", "prompt", "string", "value"]

    /// The prompt text reached by following a link, through up to 16
    /// conditioning or string nodes; nil when no text is reached.
    private static func text(following link: Any?, in nodes: [String: [String: Any]]) -> String? {
        var current = link
        var visited = Set<String>()
        while let pair = current as? [Any], let id = JSONFields.string(pair.first), visited.count < 16,
              visited.insert(id).inserted {
            guard let inputs = nodes[id]?["inputs"] as? [String: Any] else { return nil }
            if let text = textInputs.lazy.compactMap({ inputs[$0] as? String }).first { return text }
            if let linked = textInputs.lazy.compactMap({ inputs[$0] as? [Any] }).first {
                current = linked
            } else {
                current = inputs["conditioning"] ?? inputs["conditioning_1"] ?? inputs["positive"]
            }
        }
        return nil
    }
}
