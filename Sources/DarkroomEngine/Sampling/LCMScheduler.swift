/// diffusers' `LCMScheduler` for latent consistency models: each step maps
/// to the consistency-model estimate of x₀, then re-noises it to the next
/// timestep with fresh noise from the generator (not after the last step).
public struct LCMScheduler: DiffusionScheduler {
    /// The integer training timesteps, one per step.
    public let trainingTimesteps: [Int]
    /// See ``DiffusionScheduler/timesteps``.
    public var timesteps: [Float] { trainingTimesteps.map { Float($0) } }
    /// Always 1.
    public let initNoiseSigma: Float = 1
    private let alphasCumprod: [Float]
    private let finalAlphaCumprod: Float
    private let prediction: PredictionType
    private let clipRange: Float?
    private let timestepScaling: Float

    init(_ config: ResolvedSchedulerConfig, steps: Int) throws {
        let schedule = NoiseSchedule(config)
        alphasCumprod = schedule.alphasCumprod
        finalAlphaCumprod = config.setAlphaToOne ? 1 : schedule.alphasCumprod[0]
        prediction = config.predictionType
        clipRange = config.clipSample ? Float(config.clipSampleRange) : nil
        timestepScaling = Float(config.timestepScaling)
        let original = config.originalInferenceSteps
        guard steps <= original else {
            throw SchedulerConfigError.invalidStepCount(
                steps: steps, reason: "LCM allows at most original_inference_steps (\(original)) steps")
        }
        let k = config.numTrainTimesteps / original
        let origin = (1...original).reversed().map { $0 * k - 1 }
        trainingTimesteps = (0..<steps).map { i in
            origin[Int((Double(i) * (Double(origin.count) / Double(steps))).rounded(.down))]
        }
    }

    /// Returns `sample` unchanged: LCM does not scale the network input.
    public func scaleModelInput(_ sample: [Float], stepIndex: Int) -> [Float] { sample }

    /// sqrt(ᾱ_t)·x + sqrt(1 − ᾱ_t)·ε at `t = trainingTimesteps[stepIndex]`.
    public func addNoise(_ original: [Float], noise: [Float], stepIndex: Int) -> [Float] {
        DarkroomEngine.addNoise(original, noise: noise, alphaProduct: alphasCumprod[trainingTimesteps[stepIndex]])
    }

    /// One LCM step; draws `sample.count` normals from `generator` unless
    /// this is the last step.
    public mutating func step(modelOutput: [Float], stepIndex: Int, sample: [Float], generator: inout TorchGenerator) -> [Float] {
        let timestep = trainingTimesteps[stepIndex]
        let isLast = stepIndex == trainingTimesteps.count - 1
        let previousTimestep = isLast ? timestep : trainingTimesteps[stepIndex + 1]
        let alphaProduct = alphasCumprod[timestep]
        let alphaProductPrevious = previousTimestep >= 0 ? alphasCumprod[previousTimestep] : finalAlphaCumprod

        let scaled = Float(timestep) * timestepScaling
        let sigmaDataSquared: Float = 0.25
        let cSkip = sigmaDataSquared / (scaled * scaled + sigmaDataSquared)
        let cOut = scaled / (scaled * scaled + sigmaDataSquared).squareRoot()

        var original = NoiseSchedule.predictedOriginal(prediction, modelOutput: modelOutput, sample: sample, alphaProduct: alphaProduct)
        if let range = clipRange {
            original = original.map { min(max($0, -range), range) }
        }
        let denoised = zip(original, sample).map { x0, x in cOut * x0 + cSkip * x }
        if isLast { return denoised }
        let noise = generator.randn(sample.count)
        let keep = alphaProductPrevious.squareRoot()
        let add = (1 - alphaProductPrevious).squareRoot()
        return (0..<denoised.count).map { i in keep * denoised[i] + add * noise[i] }
    }
}
