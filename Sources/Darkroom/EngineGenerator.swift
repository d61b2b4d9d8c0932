import DarkroomEngine
import DarkroomImaging
import Foundation

/// What a model folder says it can do (its `darkroom.json` card data, completed from its configs).
public typealias ModelCard = DarkroomEngine.ModelCard
/// What a model card says about a picture size.
public typealias SizeVerdict = DarkroomEngine.SizeVerdict
/// An affine map from latents to RGB: the live preview's colours.
public typealias LatentPreview = DarkroomEngine.LatentPreview

/// The embedded diffusion engine (``DarkroomEngine/DiffusionPipeline``) as an ``ImageGenerator``.
///
/// Loading reads and validates the whole diffusers folder once; each ``generate(_:)`` runs the
/// tokenizer, text encoder, scheduler loop and decoder in this process.
public struct EngineGenerator: ImageGenerator {
    /// The model folder's name (recorded on every job).
    public let modelID: String
    /// The loaded pipeline.
    public let pipeline: DiffusionPipeline
    /// What the model says it can do.
    public let card: ModelCard
    /// The live preview's map for this model (its card's calibration, else fitted at load).
    public let preview: LatentPreview

    /// Loads the diffusers model in `modelDirectory`, with `loras` merged into its weights.
    public static func load(modelDirectory: URL, loras: [LoRASelection] = []) throws -> EngineGenerator {
        try load(model: modelDirectory, loras: loras)
    }

    /// Loads `model` — a diffusers folder, or a single-file `.safetensors` checkpoint (which needs a `tokenizer`
    /// folder) — with `loras` merged into its weights and `embeddings` added to its vocabulary.
    ///
    /// - Throws: ``LibraryError/generatorUnavailable(_:)`` with the engine's explanation (missing file,
    ///   malformed safetensors, unsupported config field, a LoRA key the model does not have, a checkpoint without a
    ///   tokenizer…).
    public static func load(model: URL, tokenizer: URL? = nil, loras: [LoRASelection] = [],
                            embeddings: [EmbeddingSelection] = []) throws -> EngineGenerator {
        let loraReferences = loras.map { LoRAReference(url: $0.url, scale: Float($0.scale)) }
        let embeddingReferences = embeddings.map { TextualInversionReference(name: $0.name, url: $0.url) }
        do {
            if ModelFileKind.detect(model) == .singleFileCheckpoint {
                let pipeline = try DiffusionPipeline(checkpoint: model, tokenizerDirectory: tokenizer, loras: loraReferences,
                                                     embeddings: embeddingReferences)
                let name = model.deletingPathExtension().lastPathComponent
                let card = ModelCard.plain(name: name, pipeline: pipeline)
                return EngineGenerator(modelID: name, pipeline: pipeline, card: card, preview: pipeline.previewMap(card: card))
            }
            let pipeline = try DiffusionPipeline(modelDirectory: model, loras: loraReferences, embeddings: embeddingReferences)
            let card = try ModelCard.load(modelDirectory: model)
            return EngineGenerator(modelID: model.standardizedFileURL.lastPathComponent, pipeline: pipeline, card: card,
                                   preview: pipeline.previewMap(card: card))
        } catch {
            throw LibraryError.generatorUnavailable("the model in \(model.path) cannot be loaded: \(error)")
        }
    }

    /// Runs one job through the pipeline.
    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GeneratorEvent, any Error> {
        let pipeline = self.pipeline
        let modelID = self.modelID
        let preview = self.preview
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let parameters = GenerationParameters(
                        prompt: LoRAPromptTags.removingTags(from: request.prompt), negativePrompt: request.negativePrompt, seed: request.seed,
                        steps: request.steps, guidanceScale: Float(request.guidance), scheduler: request.scheduler,
                        width: request.width, height: request.height, variationSeed: request.variationSeed,
                        variationStrength: Float(request.variationStrength ?? 0),
                        initImage: request.inputPixels?.initImage.map(Self.rgb), mask: request.inputPixels?.mask.map(Self.maskValues),
                        strength: Float(request.inputs?.strength ?? GenerationInputs.defaultStrength),
                        tiledDecoding: request.inputs?.tiledDecoding ?? false)
                    for try await event in pipeline.generate(parameters, preview: preview) {
                        switch event {
                        case .step(let index, let total, let picture):
                            continuation.yield(.progress(step: index + 1, total: total, preview: picture.map(Self.pixels)))
                        case .finished(let result):
                            continuation.yield(.completed(GeneratedImage(
                                image: Self.pixels(result.image), modelID: modelID, modelHash: result.modelHash,
                                engineVersion: result.engineVersion, rngKind: result.rngKind,
                                schedulerConfig: result.schedulerConfig)))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A picture as the engine takes it: RGB, alpha dropped (as PIL's `convert("RGB")`, which diffusers' image processor uses).
    static func rgb(_ image: PixelImage) -> RGBImage {
        guard image.channels == 4 else { return RGBImage(width: image.width, height: image.height, pixels: image.pixels) }
        var pixels = [UInt8](repeating: 0, count: image.width * image.height * 3)
        for index in 0..<(image.width * image.height) {
            for channel in 0..<3 { pixels[index * 3 + channel] = image.pixels[index * 4 + channel] }
        }
        return RGBImage(width: image.width, height: image.height, pixels: pixels)
    }

    /// A mask picture as the engine takes it: each pixel's luminance in 0…1 (PIL's `convert("L")`, ITU-R 601-2 luma in
    /// its 16-bit fixed point), white = repaint.
    static func maskValues(_ image: PixelImage) -> [Float] {
        (0..<(image.width * image.height)).map { index in
            let base = index * image.channels
            guard image.channels >= 3 else { return Float(image.pixels[base]) / 255 }
            let (r, g, b) = (Int(image.pixels[base]), Int(image.pixels[base + 1]), Int(image.pixels[base + 2]))
            return Float((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) / 255
        }
    }

    static func pixels(_ image: RGBImage) -> PixelImage {
        PixelImage(width: image.width, height: image.height, channels: 3, pixels: image.pixels)
    }
}
