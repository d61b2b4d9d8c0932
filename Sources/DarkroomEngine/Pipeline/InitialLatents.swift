import Foundation

/// Where a run starts denoising: the first latents, the generator that continues the seed's stream,
/// the first scheduler step, and for inpainting what each step needs besides the latents.
///
/// The random draws follow diffusers for the same seed (one `torch.Generator` shared by every draw):
/// - text-to-image: the initial noise (``VariationNoise``), scaled by `init_noise_sigma`;
/// - image-to-image (`StableDiffusionImg2ImgPipeline.prepare_latents`): the VAE's latent sample
///   (`AutoencoderKL`; an `AutoencoderTiny` draws nothing), then the noise for `add_noise`;
/// - inpainting (`StableDiffusionInpaintPipeline`): the picture's latent sample when the UNet has 4 input
///   channels or the strength is below 1, then the noise, then the masked picture's latent sample.
///
/// Then every scheduler step draws what it draws (Euler a, LCM). A variation seed varies the noise
/// drawn for `add_noise` (or the initial noise at strength 1) exactly as it varies text-to-image noise;
/// the picture's latent samples always come from the main seed.
struct InitialLatents {
    /// The latents before the first step, `[1, C, h, w]` flattened.
    var latents: [Float]
    /// The main seed's generator after the draws above.
    var generator: TorchGenerator
    /// The first step's index into the scheduler's timesteps (diffusers' `t_start * order`, the
    /// scheduler's begin index).
    var firstStep: Int
    /// Inpainting inputs, or nil.
    var inpainting: InpaintingInputs?

    /// diffusers' `get_timesteps`: `t_start = max(n - min(Int(n · strength), n), 0)` for `n` scheduled
    /// steps. `strength` is taken as the decimal number it prints as (0.6, not 0.60000002), the value a
    /// Python caller passes, so the rounding down agrees with diffusers.
    static func firstStep(steps: Int, strength: Float) -> Int {
        let decimal = Double("\(strength)") ?? Double(strength)
        let initial = min(Int(Double(steps) * decimal), steps)
        return max(steps - initial, 0)
    }

    /// The starting state for `parameters` on `scheduler` (already set for `parameters.steps`).
    /// `encoder` is needed only when `parameters.initImage` is set; `inpaintingUNet` says whether the
    /// UNet takes latents ⊕ mask ⊕ masked-image latents.
    static func make(_ parameters: GenerationParameters, scheduler: any DiffusionScheduler, latentShape: [Int],
                     encoder: (any LatentEncoder)?, inpaintingUNet: Bool) throws(GenerationError) -> InitialLatents {
        let count = latentShape.reduce(1, *)
        guard let initImage = parameters.initImage else {
            let (noise, generator) = VariationNoise.initial(count: count, seed: parameters.seed,
                                                            variationSeed: parameters.variationSeed, strength: parameters.variationStrength)
            let sigma = scheduler.initNoiseSigma
            return InitialLatents(latents: noise.map { $0 * sigma }, generator: generator, firstStep: 0, inpainting: nil)
        }
        guard let encoder else { throw .unsupportedForImageInput(reason: "no VAE encoder is loaded") }
        let steps = scheduler.timesteps.count
        let first = firstStep(steps: steps, strength: parameters.strength)
        guard first < steps else { throw .strengthLeavesNoSteps(steps: steps, strength: parameters.strength) }
        var generator = TorchGenerator(seed: parameters.seed)
        let image = ImageInput.signedUnitTensor(initImage)
        func encodeScaled(_ picture: Tensor) -> [Float] {
            let scale = encoder.scalingFactor
            return encoder.encode(picture, generator: &generator).scalars.map { scale * $0 }
        }
        func drawNoise() -> [Float] {
            let noise = generator.randn(count)
            guard let variationSeed = parameters.variationSeed, parameters.variationStrength > 0 else { return noise }
            var other = TorchGenerator(seed: variationSeed)
            return VariationNoise.slerp(parameters.variationStrength, noise, other.randn(count))
        }

        guard let mask = parameters.mask else {
            let imageLatents = encodeScaled(image)
            let noise = drawNoise()
            return InitialLatents(latents: scheduler.addNoise(imageLatents, noise: noise, stepIndex: first),
                                  generator: generator, firstStep: first, inpainting: nil)
        }

        let fullStrength = parameters.strength == 1
        let imageLatents = (!inpaintingUNet || !fullStrength) ? encodeScaled(image) : nil
        let noise = drawNoise()
        let latents: [Float]
        if let imageLatents, !fullStrength {
            latents = scheduler.addNoise(imageLatents, noise: noise, stepIndex: first)
        } else {
            let sigma = scheduler.initNoiseSigma
            latents = noise.map { $0 * sigma }
        }
        let binary = ImageInput.binarised(mask)
        let latentMask = ImageInput.latentMask(binary, width: initImage.width, height: initImage.height,
                                               factor: encoder.downsamplingFactor)
        let masked = ImageInput.maskedImage(image, binary: binary)
        let maskedLatents: [Float]?
        if inpaintingUNet {
            maskedLatents = encodeScaled(masked)
        } else {
            // diffusers encodes the masked picture for 4-channel UNets too and never uses it; only its
            // random draw (one normal per latent value for AutoencoderKL) matters for later steps.
            if encoder.samplesLatents { _ = generator.randn(count) }
            maskedLatents = nil
        }
        let inputs = InpaintingInputs(latentShape: latentShape, mask: latentMask, maskedImageLatents: maskedLatents,
                                      imageLatents: inpaintingUNet ? nil : imageLatents, noise: noise)
        return InitialLatents(latents: latents, generator: generator, firstStep: first, inpainting: inputs)
    }
}
