/// What to generate: the inputs of one text-to-image run.
public struct GenerationParameters: Sendable, Equatable {
    /// The text describing the image.
    public var prompt: String
    /// Text describing what to avoid (used as the unconditional prompt; "" for none).
    public var negativePrompt: String
    /// The seed of the torch-compatible noise generator.
    public var seed: UInt64
    /// Denoising steps (at least 1).
    public var steps: Int
    /// Classifier-free guidance scale; values <= 1 skip the unconditional pass, as diffusers does.
    public var guidanceScale: Float
    /// The sampler.
    public var scheduler: SchedulerKind
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// A second seed whose noise is mixed into the initial noise (A1111's variation seed), or nil.
    public var variationSeed: UInt64?
    /// How much of the variation seed's noise, 0–1 (see ``VariationNoise``).
    public var variationStrength: Float

    /// Parameters with every field given.
    public init(prompt: String, negativePrompt: String = "", seed: UInt64, steps: Int, guidanceScale: Float,
                scheduler: SchedulerKind, width: Int, height: Int, variationSeed: UInt64? = nil, variationStrength: Float = 0) {
        self.variationSeed = variationSeed
        self.variationStrength = variationStrength
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.steps = steps
        self.guidanceScale = guidanceScale
        self.scheduler = scheduler
        self.width = width
        self.height = height
    }
}

/// Why a run could not start, or stopped.
public enum GenerationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Width or height is not a positive multiple of the model's granularity.
    case invalidSize(width: Int, height: Int, multiple: Int)
    /// Fewer than one step.
    case invalidSteps(Int)
    /// A guidance scale that is not a finite number.
    case invalidGuidance(Float)
    /// The model produced NaN or infinite values (damaged or incompatible weights): `stage` is
    /// "denoising" (then `step` is the 1-based step) or "decoding".
    case nonFiniteOutput(stage: String, step: Int?)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .invalidSize(width, height, multiple):
            return "Image size \(width)x\(height) is not supported by this model: width and height must be positive multiples of \(multiple)."
        case let .invalidSteps(steps):
            return "Step count \(steps) is invalid: use at least 1 step."
        case let .invalidGuidance(scale):
            return "Guidance scale \(scale) is invalid: use a finite number (1 disables guidance)."
        case let .nonFiniteOutput(stage, step):
            let at = step.map { " at step \($0)" } ?? ""
            return "The model produced values that are not numbers (NaN or infinity) while \(stage)\(at): its weights are damaged or do not fit this pipeline."
        }
    }
}
