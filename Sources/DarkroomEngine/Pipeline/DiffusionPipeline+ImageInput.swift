extension DiffusionPipeline {
    /// Whether the UNet is an inpainting one (`in_channels` = 2 · latent channels + 1: latents, mask and
    /// masked-picture latents); such a model needs an input picture and a mask.
    public var isInpaintingModel: Bool { unet.inChannels == 2 * decoder.latentChannels + 1 }

    /// Checks the image-to-image and inpainting inputs (`initImage`, `mask`, `strength`) against this model.
    func validateImageInput(_ parameters: GenerationParameters) throws(GenerationError) {
        let (width, height) = (parameters.width, parameters.height)
        guard let image = parameters.initImage else {
            if parameters.mask != nil { throw .maskWithoutInitImage }
            if isInpaintingModel { throw .inpaintingModelNeedsMask(unetInChannels: unet.inChannels) }
            return
        }
        let strength = parameters.strength
        guard strength.isFinite, strength > 0, strength <= 1 else { throw .invalidStrength(strength) }
        guard image.width == width, image.height == height else {
            throw .initImageSize(expectedWidth: width, expectedHeight: height, width: image.width, height: image.height)
        }
        if let mask = parameters.mask {
            guard mask.count == width * height else { throw .maskSize(expected: width * height, got: mask.count) }
            if let index = mask.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) { throw .invalidMaskValue(index: index, value: mask[index]) }
        } else if isInpaintingModel {
            throw .inpaintingModelNeedsMask(unetInChannels: unet.inChannels)
        }
        guard InitialLatents.firstStep(steps: parameters.steps, strength: strength) < parameters.steps else {
            throw .strengthLeavesNoSteps(steps: parameters.steps, strength: strength)
        }
        _ = try imageEncoder.encoder()
    }
}
