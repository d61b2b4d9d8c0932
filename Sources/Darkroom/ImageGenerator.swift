import DarkroomImaging
import Foundation

/// What to generate: the parameters of one image job.
public struct GenerationRequest: Sendable, Codable, Equatable {
    /// The prompt.
    public var prompt: String
    /// What the picture should not show ('' for none).
    public var negativePrompt: String
    /// The noise seed.
    public var seed: UInt64
    /// Denoising steps.
    public var steps: Int
    /// Classifier-free guidance scale (1 disables the unconditional pass).
    public var guidance: Double
    /// The sampler (the engine's own kinds; stored by their names: `ddim`, `euler`, `euler-a`, …).
    public var scheduler: SchedulerKind
    /// Output width in pixels.
    public var width: Int
    /// Output height in pixels.
    public var height: Int
    /// For variations: a second seed whose noise is mixed into the initial noise (A1111's variation seed).
    public var variationSeed: UInt64?
    /// For variations: how much of the second seed's noise, 0–1.
    public var variationStrength: Double?
    /// What the run starts from besides the prompt (image-to-image, inpainting, LoRAs); nil for text-to-image.
    public var inputs: GenerationInputs?
    /// The decoded input pictures, which the library fills in from ``inputs`` before a generator runs (not stored).
    public var inputPixels: InputPixels?

    /// The decoded pictures of a request's inputs.
    public struct InputPixels: Sendable, Equatable {
        /// The starting picture at the request's size.
        public var initImage: PixelImage?
        /// The mask at the request's size (any channel count; white = repaint).
        public var mask: PixelImage?

        /// Decoded input pictures.
        public init(initImage: PixelImage?, mask: PixelImage?) {
            self.initImage = initImage
            self.mask = mask
        }
    }

    enum CodingKeys: String, CodingKey {
        case prompt, negativePrompt, seed, steps, guidance, scheduler, width, height, variationSeed, variationStrength, inputs
    }

    /// A request with every parameter given.
    public init(prompt: String, negativePrompt: String = "", seed: UInt64, steps: Int, guidance: Double,
                scheduler: SchedulerKind, width: Int, height: Int, variationSeed: UInt64? = nil, variationStrength: Double? = nil,
                inputs: GenerationInputs? = nil) {
        (self.prompt, self.negativePrompt, self.seed, self.steps) = (prompt, negativePrompt, seed, steps)
        (self.guidance, self.scheduler, self.width, self.height) = (guidance, scheduler, width, height)
        (self.variationSeed, self.variationStrength, self.inputs) = (variationSeed, variationStrength, inputs)
    }
}

/// A finished picture and the facts needed to reproduce it.
public struct GeneratedImage: Sendable {
    /// The pixels (RGB or RGBA, 8-bit).
    public var image: PixelImage
    /// The model's name (folder name for diffusers folders).
    public var modelID: String
    /// Content hash of the model weights.
    public var modelHash: String
    /// The engine version.
    public var engineVersion: String
    /// The random number generator that made the initial noise (`torch-cpu-mt19937-v1`, …).
    public var rngKind: String
    /// The scheduler configuration actually used, as JSON.
    public var schedulerConfig: String?

    /// A result with every field given.
    public init(image: PixelImage, modelID: String, modelHash: String, engineVersion: String, rngKind: String,
                schedulerConfig: String? = nil) {
        self.image = image
        self.modelID = modelID
        self.modelHash = modelHash
        self.engineVersion = engineVersion
        self.rngKind = rngKind
        self.schedulerConfig = schedulerConfig
    }
}

/// What a generator reports while it works.
public enum GeneratorEvent: Sendable {
    /// Step `step` (1-based) of `total` is done; `preview` is an optional low-cost look at the picture so far.
    case progress(step: Int, total: Int, preview: PixelImage?)
    /// The picture is ready. This is the last event.
    case completed(GeneratedImage)
}

/// Something that turns a ``GenerationRequest`` into a picture: the embedded engine, or a test double.
///
/// A generator checks for task cancellation between steps and ends its stream
/// with `CancellationError` when cancelled.
public protocol ImageGenerator: Sendable {
    /// The model this generator runs (recorded on every job).
    var modelID: String { get }
    /// Runs one job. The stream yields progress and ends with ``GeneratorEvent/completed(_:)`` or an error.
    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GeneratorEvent, any Error>
}
