import DarkroomCrypto
import Foundation

/// A Stable-Diffusion-family pipeline loaded from a diffusers folder, reproducing for the same seed,
/// scheduler and parameters diffusers' `StableDiffusionPipeline` (text-to-image),
/// `StableDiffusionImg2ImgPipeline` (``GenerationParameters/initImage`` set) and
/// `StableDiffusionInpaintPipeline` (`initImage` and ``GenerationParameters/mask`` set; with an inpainting
/// UNet of 2 · latent + 1 input channels, or with an ordinary UNet by latent blending).
///
/// Image input needs the VAE's encoder (`AutoencoderKL`, sampled as diffusers does, or an
/// `AutoencoderTiny` whose folder holds encoder weights); it is loaded on the first such run. A
/// variation seed combines with image input: it varies the noise that `add_noise` mixes into the
/// picture's latents (see ``InitialLatents``).
public final class DiffusionPipeline: Sendable {
    /// The SHA-256 (lower-case hex) of the text `"<path> <sha256 of file>\n"` for each weight file
    /// (`text_encoder/model.safetensors`, `unet/diffusion_pytorch_model.safetensors`,
    /// `vae/diffusion_pytorch_model.safetensors`), in that order.
    public let modelHash: String
    /// Width and height must be positive multiples of this (8 and the VAE x UNet downsampling).
    public let sizeMultiple: Int
    let tokenizer: CLIPTokenizer
    let textEncoder: CLIPTextModel
    let unet: UNet2DConditionModel
    let decoder: any LatentDecoder
    let schedulerConfig: SchedulerConfig
    /// The VAE encoder for image-to-image and inpainting, loaded on first use.
    let imageEncoder: ImageEncoderCache

    /// The weight files hashed into `modelHash`, relative to the model folder, in hashing order.
    public static let weightFiles = [
        "text_encoder/model.safetensors", "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors",
    ]

    /// Builds the pipeline from loaded parts, checking that they fit together. The public initializers
    /// (a diffusers folder with LoRAs and embeddings, a single-file checkpoint) are in
    /// DiffusionPipeline+Sources.swift.
    init(parts: PipelineParts) throws {
        tokenizer = parts.tokenizer
        textEncoder = parts.textEncoder
        unet = parts.unet
        decoder = parts.decoder
        schedulerConfig = parts.schedulerConfig
        modelHash = parts.modelHash
        guard unet.crossAttentionDimension == textEncoder.hiddenSize else {
            throw ModelLoadError.unsupportedConfig(component: "unet", field: "cross_attention_dim", value: "\(unet.crossAttentionDimension)",
                                                   supported: "the text encoder's hidden_size (\(textEncoder.hiddenSize))")
        }
        guard unet.inChannels == decoder.latentChannels || unet.inChannels == 2 * decoder.latentChannels + 1 else {
            throw ModelLoadError.unsupportedConfig(component: "unet", field: "in_channels", value: "\(unet.inChannels)",
                                                   supported: "the VAE's latent_channels (\(decoder.latentChannels)), or \(2 * decoder.latentChannels + 1) for an inpainting UNet")
        }
        imageEncoder = ImageEncoderCache(directory: parts.vaeDirectory,
                                         latentChannels: decoder.latentChannels, downsamplingFactor: decoder.downsamplingFactor)
        guard tokenizer.maxLength <= textEncoder.maxPositions else {
            throw ModelLoadError.unsupportedConfig(component: "tokenizer", field: "model_max_length", value: "\(tokenizer.maxLength)",
                                                   supported: "at most the text encoder's max_position_embeddings (\(textEncoder.maxPositions))")
        }
        let latentMultiple = decoder.downsamplingFactor << unet.downsampleCount
        sizeMultiple = latentMultiple * 8 / DiffusionPipeline.gcd(latentMultiple, 8)
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// Runs a generation: one `.step` event per denoising step, then `.finished`. Cancelling the
    /// consuming task stops the run between steps with `CancellationError`.
    public func generate(_ parameters: GenerationParameters) -> AsyncThrowingStream<PipelineEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task.detached(priority: .userInitiated) {
                do {
                    let result = try await self.run(parameters) { continuation.yield($0) }
                    continuation.yield(.finished(result))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Checks parameters against this model.
    func validate(_ parameters: GenerationParameters) throws {
        guard parameters.width > 0, parameters.height > 0,
              parameters.width % sizeMultiple == 0, parameters.height % sizeMultiple == 0 else {
            throw GenerationError.invalidSize(width: parameters.width, height: parameters.height, multiple: sizeMultiple)
        }
        guard parameters.steps >= 1 else { throw GenerationError.invalidSteps(parameters.steps) }
        guard parameters.guidanceScale.isFinite else { throw GenerationError.invalidGuidance(parameters.guidanceScale) }
        try validateImageInput(parameters)
    }

    /// The whole run; `progress` receives each step event.
    func run(_ parameters: GenerationParameters, progress: (PipelineEvent) -> Void) async throws -> PipelineResult {
        try validate(parameters)
        defer { ActivationMemory.release() }
        let clock = ContinuousClock()
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        }
        let guided = parameters.guidanceScale > 1
        var start = clock.now
        let rows = guided
            ? [tokenizer.encode(parameters.negativePrompt), tokenizer.encode(parameters.prompt)]
            : [tokenizer.encode(parameters.prompt)]
        let vocabulary = textEncoder.vocabularySize
        if let id = rows.joined().first(where: { $0 < 0 || Int($0) >= vocabulary }) {
            throw ModelLoadError.unsupportedConfig(component: "tokenizer", field: "vocabulary", value: "token id \(id)",
                                                   supported: "ids below the text encoder's vocab_size (\(vocabulary)); the tokenizer does not belong to this text encoder")
        }
        let context = textEncoder.encode(rows)
        let textTime = seconds(clock.now - start)
        try Task.checkCancellation()

        start = clock.now
        var scheduler = try makeScheduler(parameters.scheduler, config: schedulerConfig, steps: parameters.steps)
        // The preview shows the clean picture each step's output implies, not the still noisy latents.
        let estimate = try DenoisedEstimate(config: schedulerConfig, kind: parameters.scheduler)
        let schedulerJSON = String(decoding: try schedulerConfig.effectiveJSON(for: parameters.scheduler), as: UTF8.self)
        let factor = decoder.downsamplingFactor
        let latentShape = [1, decoder.latentChannels, parameters.height / factor, parameters.width / factor]
        let initial = try InitialLatents.make(parameters, scheduler: scheduler, latentShape: latentShape,
                                            encoder: parameters.initImage == nil ? nil : try imageEncoder.encoder(),
                                            inpaintingUNet: isInpaintingModel)
        var latents = initial.latents
        var generator = initial.generator
        let total = scheduler.timesteps.count - initial.firstStep
        for index in initial.firstStep..<scheduler.timesteps.count {
            try Task.checkCancellation()
            let timestep = scheduler.timesteps[index]
            let scaled = Tensor(shape: latentShape, scalars: scheduler.scaleModelInput(latents, stepIndex: index))
            let unetInput = initial.inpainting?.unetInput(scaled) ?? scaled
            let input = guided ? Tensor.concatenateBatch([unetInput, unetInput]) : unetInput
            let prediction = unet(input, timestep: timestep, context: context)
            var guidance: [Float]
            if guided {
                let half = prediction.count / 2
                let scale = parameters.guidanceScale
                guidance = [Float](repeating: 0, count: half)
                for i in 0..<half {
                    let uncond = prediction.scalars[i]
                    guidance[i] = uncond + scale * (prediction.scalars[half + i] - uncond)
                }
            } else {
                guidance = prediction.scalars
            }
            latents = scheduler.step(modelOutput: guidance, stepIndex: index, sample: latents, generator: &generator)
            if let inpainting = initial.inpainting { latents = inpainting.blended(latents, afterStep: index, scheduler: scheduler) }
            let runStep = index - initial.firstStep
            guard Self.allFinite(latents) else { throw GenerationError.nonFiniteOutput(stage: "denoising", step: runStep + 1) }
            let denoised = estimate.estimate(input: scaled.scalars, output: guidance, timestep: Float(timestep))
            progress(.step(index: runStep, total: total, preview: LatentPreview.image(latents: Tensor(shape: latentShape, scalars: denoised))))
        }
        let denoiseTime = seconds(clock.now - start)
        try Task.checkCancellation()

        start = clock.now
        let inverseScale = 1 / decoder.scalingFactor
        let decoded = decoder.decode(Tensor(shape: latentShape, scalars: latents.map { $0 * inverseScale }),
                                     tiled: parameters.tiledDecoding)
        guard Self.allFinite(decoded.scalars) else { throw GenerationError.nonFiniteOutput(stage: "decoding", step: nil) }
        let image = RGBImage(signedUnitImage: decoded)
        let decodeTime = seconds(clock.now - start)
        return PipelineResult(
            image: image, modelHash: modelHash, engineVersion: DarkroomEngineInfo.version,
            rngKind: "\(TorchGenerator.rngName)-v\(TorchGenerator.rngVersion)", schedulerConfig: schedulerJSON,
            timings: PipelineTimings(textEncoding: textTime, denoising: denoiseTime, decoding: decodeTime))
    }

    /// Whether every value is finite: `x * 0` is 0 for a finite `x` and NaN for NaN or infinity,
    /// so one branch-free pass sums to 0 exactly when all are.
    static func allFinite(_ values: [Float]) -> Bool {
        var sum: Float = 0
        for value in values { sum += value * 0 }
        return sum == 0
    }
}
