/// diffusers' `DDIMScheduler` with eta = 0 (the deterministic sampler
/// Stable Diffusion pipelines use).
public struct DDIMScheduler: DiffusionScheduler {
    /// The integer training timesteps, one per step.
    public let trainingTimesteps: [Int]
    /// See ``DiffusionScheduler/timesteps``.
    public var timesteps: [Float] { trainingTimesteps.map { Float($0) } }
    /// Always 1.
    public let initNoiseSigma: Float = 1
    private let alphasCumprod: [Float]
    private let finalAlphaCumprod: Float
    private let stepRatio: Int
    private let prediction: PredictionType
    private let clipRange: Float?

    init(_ config: ResolvedSchedulerConfig, steps: Int) {
        let schedule = NoiseSchedule(config)
        alphasCumprod = schedule.alphasCumprod
        finalAlphaCumprod = config.setAlphaToOne ? 1 : schedule.alphasCumprod[0]
        let train = config.numTrainTimesteps
        stepRatio = train / steps
        prediction = config.predictionType
        clipRange = config.clipSample ? Float(config.clipSampleRange) : nil
        switch config.timestepSpacing {
        case .linspace:
            trainingTimesteps = NoiseSchedule.numpyLinspace(0, Double(train - 1), steps).reversed().map { Int(NoiseSchedule.numpyRound($0)) }
        case .leading:
            trainingTimesteps = (0..<steps).reversed().map { $0 * (train / steps) + config.stepsOffset }
        case .trailing:
            let ratio = Double(train) / Double(steps)
            trainingTimesteps = NoiseSchedule.numpyArange(Double(train), 0, -ratio).map { Int(NoiseSchedule.numpyRound($0)) - 1 }
        }
    }

    /// Returns `sample` unchanged: DDIM does not scale the network input.
    public func scaleModelInput(_ sample: [Float], stepIndex: Int) -> [Float] { sample }

    /// sqrt(ᾱ_t)·x + sqrt(1 − ᾱ_t)·ε at `t = trainingTimesteps[stepIndex]`.
    public func addNoise(_ original: [Float], noise: [Float], stepIndex: Int) -> [Float] {
        DarkroomEngine.addNoise(original, noise: noise, alphaProduct: alphasCumprod[trainingTimesteps[stepIndex]])
    }

    /// One DDIM step (eta = 0); uses no noise.
    public mutating func step(modelOutput: [Float], stepIndex: Int, sample: [Float], generator: inout TorchGenerator) -> [Float] {
        let timestep = trainingTimesteps[stepIndex]
        let previous = timestep - stepRatio
        let alphaProduct = alphasCumprod[timestep]
        let alphaProductPrevious = previous >= 0 ? alphasCumprod[previous] : finalAlphaCumprod
        let betaProduct = 1 - alphaProduct
        var original = NoiseSchedule.predictedOriginal(prediction, modelOutput: modelOutput, sample: sample, alphaProduct: alphaProduct)
        let epsilon: [Float]
        switch prediction {
        case .epsilon: epsilon = modelOutput
        case .vPrediction:
            let sqrtAlpha = alphaProduct.squareRoot()
            let sqrtBeta = betaProduct.squareRoot()
            epsilon = zip(modelOutput, sample).map { v, x in sqrtAlpha * v + sqrtBeta * x }
        }
        if let range = clipRange {
            original = original.map { min(max($0, -range), range) }
        }
        let direction = (1 - alphaProductPrevious).squareRoot()
        let scale = alphaProductPrevious.squareRoot()
        return zip(original, epsilon).map { x0, e in scale * x0 + direction * e }
    }
}
