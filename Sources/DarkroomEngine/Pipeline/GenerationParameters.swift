/// What to generate: the inputs of one text-to-image, image-to-image or inpainting run.
///
/// With `initImage` set the run is image-to-image (diffusers' `StableDiffusionImg2ImgPipeline`);
/// with `initImage` and `mask` it is inpainting (`StableDiffusionInpaintPipeline`). See
/// ``DiffusionPipeline`` for what each mode reproduces.
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
    /// The starting picture for image-to-image and inpainting, exactly `width` x `height` (the caller
    /// resizes), or nil for text-to-image.
    public var initImage: RGBImage?
    /// Where to repaint: `width * height` values in 0...1, row-major, 1 = repaint (binarised at 0.5 as
    /// diffusers does). Requires `initImage`.
    public var mask: [Float]?
    /// How far the starting picture is noised, in (0, 1]: 1 starts from (almost) pure noise, small values
    /// keep the picture. The run takes `min(Int(steps * strength), steps)` of the `steps` steps, so a
    /// strength that leaves no step is refused. Used only with `initImage`.
    public var strength: Float
    /// Decode in overlapping tiles of the VAE's training size (diffusers' `enable_tiling()`; see
    /// ``DecoderTiling``): memory bounded by one tile for large pictures, pixels slightly different from whole
    /// decoding. Ignored by decoders without tiling (AutoencoderTiny) and for latents within one tile.
    public var tiledDecoding: Bool

    /// Parameters with every field given.
    public init(prompt: String, negativePrompt: String = "", seed: UInt64, steps: Int, guidanceScale: Float,
                scheduler: SchedulerKind, width: Int, height: Int, variationSeed: UInt64? = nil, variationStrength: Float = 0,
                initImage: RGBImage? = nil, mask: [Float]? = nil, strength: Float = 0.75, tiledDecoding: Bool = false) {
        self.tiledDecoding = tiledDecoding
        self.initImage = initImage
        self.mask = mask
        self.strength = strength
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
    /// `strength` is not in (0, 1].
    case invalidStrength(Float)
    /// `Int(steps * strength)` is 0: no denoising step would run.
    case strengthLeavesNoSteps(steps: Int, strength: Float)
    /// The starting picture is not the requested size.
    case initImageSize(expectedWidth: Int, expectedHeight: Int, width: Int, height: Int)
    /// A mask was given without a starting picture.
    case maskWithoutInitImage
    /// The mask does not hold one value per pixel.
    case maskSize(expected: Int, got: Int)
    /// A mask value is not a number in 0...1 (`index` is the row-major pixel index).
    case invalidMaskValue(index: Int, value: Float)
    /// The model is an inpainting model (its UNet takes latents, mask and masked-image latents) but no
    /// mask was given.
    case inpaintingModelNeedsMask(unetInChannels: Int)
    /// This model cannot take an input picture, and why (for example a VAE without encoder weights).
    case unsupportedForImageInput(reason: String)

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
        case let .invalidStrength(strength):
            return "Strength \(strength) is invalid: use a value above 0 and at most 1 (1 repaints everything, small values keep the picture)."
        case let .strengthLeavesNoSteps(steps, strength):
            return "Strength \(strength) with \(steps) steps leaves no denoising step (\(steps) x \(strength) rounds down to 0): raise the strength or the step count."
        case let .initImageSize(expectedWidth, expectedHeight, width, height):
            return "The input picture is \(width)x\(height) but the run is \(expectedWidth)x\(expectedHeight): resize the picture or set the size to match."
        case .maskWithoutInitImage:
            return "A mask was given without an input picture: inpainting needs the picture to repaint as well as the mask."
        case let .maskSize(expected, got):
            return "The mask has \(got) values but the picture has \(expected) pixels: give one value per pixel (width x height, row-major)."
        case let .invalidMaskValue(index, value):
            return "Mask value \(value) at pixel \(index) is invalid: use numbers from 0 (keep) to 1 (repaint)."
        case let .inpaintingModelNeedsMask(channels):
            return "This is an inpainting model (its UNet takes \(channels) input channels): give an input picture and a mask, or use an ordinary model for text-to-image and image-to-image."
        case let .unsupportedForImageInput(reason):
            return "This model cannot start from an input picture: \(reason)."
        }
    }
}
