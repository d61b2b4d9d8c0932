/// Seconds spent in each phase of a run.
public struct PipelineTimings: Sendable, Equatable {
    /// Tokenizing and encoding the prompts.
    public var textEncoding: Double
    /// All denoising steps.
    public var denoising: Double
    /// Decoding the latents into the image.
    public var decoding: Double
}

/// The outcome of a run, with everything needed to reproduce it.
public struct PipelineResult: Sendable {
    /// The generated image.
    public let image: RGBImage
    /// The model's content hash (see `DiffusionPipeline.modelHash`).
    public let modelHash: String
    /// `DarkroomEngineInfo.version` of the engine that ran.
    public let engineVersion: String
    /// The noise generator and its version (`torch-cpu-mt19937-v1`).
    public let rngKind: String
    /// The scheduler configuration actually used, as JSON with sorted keys.
    public let schedulerConfig: String
    /// Where the time went.
    public let timings: PipelineTimings
}

/// Progress of a run, ending in the result.
public enum PipelineEvent: Sendable {
    /// Step `index` (0-based) of `total` finished; `preview` is a cheap latent-space picture, or nil.
    case step(index: Int, total: Int, preview: RGBImage?)
    /// The run finished.
    case finished(PipelineResult)
}
