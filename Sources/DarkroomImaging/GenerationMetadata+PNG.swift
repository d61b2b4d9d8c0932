extension GenerationMetadata {
    /// The chunk keywords this module reads metadata from, in priority order.
    public static let metadataKeywords = [
        DarkroomMetadataJSON.keyword, "parameters", "prompt", "workflow", "invokeai_metadata", "sd-metadata",
        DrawThingsMetadata.keyword,
    ]

    /// The text chunks Darkroom writes into a PNG: an A1111-compatible
    /// `parameters` chunk and the versioned JSON `darkroom` chunk.
    ///
    /// With `includePrompt: false` neither chunk holds the prompt or the
    /// negative prompt (for sharing without revealing them).
    public func pngTextChunks(includePrompt: Bool) -> [PNGTextChunk] {
        var written = self
        if !includePrompt {
            written.prompt = nil
            written.negativePrompt = nil
        }
        return [
            PNGTextChunk(keyword: "parameters", text: written.a1111Parameters),
            PNGTextChunk(keyword: DarkroomMetadataJSON.keyword, text: DarkroomMetadataJSON(written).encoded()),
        ]
    }

    /// The metadata as AUTOMATIC1111 `parameters` text: the prompt, a
    /// `Negative prompt:` line when there is one, then `Steps: …, Sampler: …,
    /// CFG scale: …, Seed: …, Size: WxH, Model hash: …, Model: …, Version: …`
    /// (absent fields left out; values with `,` `:` or newlines JSON-quoted).
    public var a1111Parameters: String { A1111Parameters.format(self) }

    /// Reads generation metadata from a PNG's text chunks.
    ///
    /// Tries, in order: Darkroom JSON (`darkroom`), A1111 `parameters`,
    /// ComfyUI `prompt` / `workflow`, InvokeAI `invokeai_metadata` /
    /// `sd-metadata`, Draw Things XMP. The chunks are kept in `rawChunks`.
    /// Never throws: chunks that hold nothing readable give `source: .unknown`.
    ///
    /// - Returns: nil only when there are no text chunks at all.
    public static func parse(textChunks: [PNGTextChunk]) -> GenerationMetadata? {
        guard !textChunks.isEmpty else { return nil }
        var byKeyword: [String: String] = [:]
        for chunk in textChunks where byKeyword[chunk.keyword] == nil { byKeyword[chunk.keyword] = chunk.text }
        let readers: [() -> GenerationMetadata?] = [
            { byKeyword[DarkroomMetadataJSON.keyword].flatMap(DarkroomMetadataJSON.parse)?.metadata },
            { byKeyword["parameters"].map(A1111Parameters.parse) },
            { ComfyUIMetadata.parse(prompt: byKeyword["prompt"], workflow: byKeyword["workflow"]) },
            { byKeyword["invokeai_metadata"].flatMap { InvokeAIMetadata.parse(invokeAIMetadata: $0) } },
            { byKeyword["sd-metadata"].flatMap { InvokeAIMetadata.parse(legacySDMetadata: $0) } },
            { byKeyword[DrawThingsMetadata.keyword].flatMap(DrawThingsMetadata.parse) },
        ]
        var metadata = readers.lazy.compactMap { $0() }.first ?? GenerationMetadata(source: .unknown)
        metadata.rawChunks = textChunks
        return metadata
    }
}
