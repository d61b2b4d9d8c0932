/// What an inpainting run needs at each step, as diffusers' `StableDiffusionInpaintPipeline` uses it.
///
/// - Inpainting UNets (`in_channels` = 2 · latent channels + 1) see the scaled latents, the latent-size
///   mask and the masked picture's latents concatenated along the channels.
/// - Ordinary UNets see the latents alone; after each step the kept area is put back: the picture's
///   latents re-noised with the run's initial noise to the next step's level (not after the last step),
///   blended as `(1 − mask) · picture + mask · latents`.
struct InpaintingInputs {
    /// `[1, C, h, w]`.
    let latentShape: [Int]
    /// `[1, 1, h, w]`, 0 (keep) or 1 (repaint).
    let mask: Tensor
    /// The masked picture's scaled latents, for inpainting UNets; nil otherwise.
    let maskedImageLatents: [Float]?
    /// The picture's scaled latents, for latent blending with ordinary UNets; nil otherwise.
    let imageLatents: [Float]?
    /// The noise drawn for the initial latents, reused for re-noising.
    let noise: [Float]

    /// The UNet input for one image: `scaled` alone, or `scaled ⊕ mask ⊕ masked-image latents`.
    func unetInput(_ scaled: Tensor) -> Tensor {
        guard let maskedImageLatents else { return scaled }
        return Tensor.concatenateChannels([scaled, mask, Tensor(shape: latentShape, scalars: maskedImageLatents)])
    }

    /// The latents after step `stepIndex` with the kept area restored (ordinary UNets only; inpainting
    /// UNets return `latents` unchanged).
    func blended(_ latents: [Float], afterStep stepIndex: Int, scheduler: any DiffusionScheduler) -> [Float] {
        guard let imageLatents else { return latents }
        let next = stepIndex + 1
        let proper = next < scheduler.timesteps.count
            ? scheduler.addNoise(imageLatents, noise: noise, stepIndex: next) : imageLatents
        let plane = mask.count
        var result = latents
        for i in result.indices {
            let m = mask.scalars[i % plane]
            result[i] = (1 - m) * proper[i] + m * latents[i]
        }
        return result
    }
}
