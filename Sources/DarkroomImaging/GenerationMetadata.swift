/// The settings that produced an image, as Darkroom records them and as it
/// reads them back from PNG files written by Darkroom or other tools.
///
/// Every field but `source`, `extra` and `rawChunks` is optional: imported
/// files carry what their tool wrote, nothing more.
public struct GenerationMetadata: Sendable, Codable, Equatable {
    /// Which tool's format the metadata was read from.
    public enum Source: String, Codable, Sendable, CaseIterable {
        /// Darkroom's own versioned JSON chunk (`darkroom`).
        case darkroom
        /// AUTOMATIC1111 / Forge `parameters` text.
        case automatic1111
        /// ComfyUI `prompt` (API graph) and `workflow` chunks.
        case comfyui
        /// InvokeAI `invokeai_metadata` (3.x and later) or `sd-metadata` (2.x).
        case invokeai
        /// Draw Things XMP (`XML:com.adobe.xmp`) with JSON in `exif:UserComment`.
        case drawThings
        /// Text chunks were present but none held metadata this module understands.
        case unknown
    }

    /// Where the metadata came from.
    public var source: Source
    /// The prompt.
    public var prompt: String?
    /// The negative prompt.
    public var negativePrompt: String?
    /// The seed of the first image of the batch (ComfyUI seeds use all 64 bits).
    public var seed: UInt64?
    /// Denoising steps.
    public var steps: Int?
    /// Classifier-free guidance scale (A1111's "CFG scale").
    public var guidance: Double?
    /// The sampler name as the originating tool wrote it (for Darkroom, the
    /// A1111 name of the scheduler, e.g. `DPM++ 2M Karras`).
    public var sampler: String?
    /// Darkroom's scheduler kind (`ddim`, `euler`, `euler-a`, `dpmpp-2m`,
    /// `dpmpp-2m-karras`, `lcm`) when the sampler maps to one.
    public var scheduler: String?
    /// Image width in pixels.
    public var width: Int?
    /// Image height in pixels.
    public var height: Int?
    /// The model's name (checkpoint file name or display name).
    public var modelName: String?
    /// The model's content hash as the tool wrote it (A1111 short hash, BLAKE3, SHA-256…).
    public var modelHash: String?
    /// The engine version that generated the image (A1111 `Version`).
    public var engineVersion: String?
    /// The random-number generator kind, so seeds stay reproducible.
    public var rngKind: String?
    /// A1111-style variation seed.
    public var variationSeed: UInt64?
    /// A1111-style variation strength (0–1).
    public var variationStrength: Double?
    /// Darkroom generation (job) id.
    public var generationID: String?
    /// Darkroom image id (content hash).
    public var imageID: String?
    /// Darkroom batch id.
    public var batchID: String?
    /// Parent generation id (variation or re-run lineage).
    public var parentID: String?
    /// Fields that were parsed but have no property here (e.g. A1111 `Clip skip`).
    public var extra: [String: String]
    /// Image-to-image and inpainting: how far from the starting picture the run went (A1111's `Denoising strength`).
    public var denoisingStrength: Double?
    /// LoRAs applied: name and hash (A1111's `Lora hashes`: the first 10 hex characters of the file's SHA-256).
    public var loraHashes: [LoRAHash] = []

    /// A LoRA as A1111's `Lora hashes` names it.
    public struct LoRAHash: Sendable, Equatable, Codable {
        /// The LoRA's name.
        public var name: String
        /// Its hash (10 hex characters as A1111 writes it; Darkroom writes the same).
        public var hash: String

        /// A name and a hash.
        public init(name: String, hash: String) {
            self.name = name
            self.hash = hash
        }
    }
    /// The text chunks the metadata was parsed from, kept verbatim (empty for
    /// metadata built in memory).
    public var rawChunks: [PNGTextChunk]

    /// Creates metadata; every field defaults to absent.
    public init(
        source: Source = .darkroom, prompt: String? = nil, negativePrompt: String? = nil, seed: UInt64? = nil,
        steps: Int? = nil, guidance: Double? = nil, sampler: String? = nil, scheduler: String? = nil,
        width: Int? = nil, height: Int? = nil, modelName: String? = nil, modelHash: String? = nil,
        engineVersion: String? = nil, rngKind: String? = nil, variationSeed: UInt64? = nil,
        variationStrength: Double? = nil, generationID: String? = nil, imageID: String? = nil,
        batchID: String? = nil, parentID: String? = nil, extra: [String: String] = [:],
        rawChunks: [PNGTextChunk] = []
    ) {
        self.source = source
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.steps = steps
        self.guidance = guidance
        self.sampler = sampler
        self.scheduler = scheduler
        self.width = width
        self.height = height
        self.modelName = modelName
        self.modelHash = modelHash
        self.engineVersion = engineVersion
        self.rngKind = rngKind
        self.variationSeed = variationSeed
        self.variationStrength = variationStrength
        self.generationID = generationID
        self.imageID = imageID
        self.batchID = batchID
        self.parentID = parentID
        self.extra = extra
        self.rawChunks = rawChunks
    }
}
