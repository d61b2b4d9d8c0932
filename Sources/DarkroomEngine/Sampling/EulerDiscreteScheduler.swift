import Foundation

/// The σ schedule shared by diffusers' Euler schedulers: timesteps by the
/// configured spacing, σ interpolated linearly in t from the training σ's,
/// optionally replaced by Karras σ's, then a final σ of 0 (or σ_min). The
/// ancestral class has neither Karras σ's nor `final_sigmas_type`.
struct EulerSigmaSchedule: Sendable {
    let timesteps: [Float]
    /// One per step plus the final σ.
    let sigmas: [Float]
    let initNoiseSigma: Float

    init(_ config: ResolvedSchedulerConfig, steps: Int, ancestral: Bool) {
        let train = config.numTrainTimesteps
        var times: [Double]
        switch config.timestepSpacing {
        case .linspace:
            times = NoiseSchedule.numpyLinspace(0, Double(train - 1), steps).reversed().map { Double(Float($0)) }
        case .leading:
            let ratio = train / steps
            times = (0..<steps).reversed().map { Double($0 * ratio + config.stepsOffset) }
        case .trailing:
            let ratio = Double(train) / Double(steps)
            times = NoiseSchedule.numpyArange(Double(train), 0, -ratio).map { NoiseSchedule.numpyRound($0) - 1 }
        }
        let schedule = NoiseSchedule(config)
        let trainingSigmas = schedule.sigmas
        var sigmas = times.map { NoiseSchedule.interpolate($0, trainingSigmas) }
        if !ancestral && config.useKarrasSigmas {
            let logSigmas = trainingSigmas.map { Float(log(Double($0))) }
            sigmas = NoiseSchedule.karrasSigmas(
                min: config.sigmaMin ?? sigmas[sigmas.count - 1], max: config.sigmaMax ?? sigmas[0], count: steps)
            times = sigmas.map { NoiseSchedule.timestep(forSigma: $0, logSigmas: logSigmas) }
        }
        let last: Float = !ancestral && config.finalSigmaIsSigmaMin ? trainingSigmas[0] : 0
        self.sigmas = sigmas.map { Float($0) } + [last]
        self.timesteps = times.map { Float($0) }
        let maxSigma = self.sigmas.max() ?? 0
        switch config.timestepSpacing {
        case .linspace, .trailing: initNoiseSigma = maxSigma
        case .leading: initNoiseSigma = (maxSigma * maxSigma + 1).squareRoot()
        }
    }

    /// sample / sqrt(σ² + 1).
    func scale(_ sample: [Float], stepIndex: Int) -> [Float] {
        let sigma = sigmas[stepIndex]
        let divisor = (sigma * sigma + 1).squareRoot()
        return sample.map { $0 / divisor }
    }

    /// diffusers' Euler `add_noise`: x + ε·σ_stepIndex.
    func addNoise(_ original: [Float], noise: [Float], stepIndex: Int) -> [Float] {
        let sigma = sigmas[stepIndex]
        return zip(original, noise).map { x, e in x + e * sigma }
    }

    /// x₀ predicted at σ (Euler parametrisation, no churn).
    func predictedOriginal(_ prediction: PredictionType, modelOutput: [Float], sample: [Float], sigma: Float) -> [Float] {
        switch prediction {
        case .epsilon:
            return zip(sample, modelOutput).map { x, e in x - sigma * e }
        case .vPrediction:
            let c = -sigma / (sigma * sigma + 1).squareRoot()
            let d = sigma * sigma + 1
            return zip(sample, modelOutput).map { x, v in v * c + x / d }
        }
    }
}

/// diffusers' `EulerDiscreteScheduler` (no churn: s_churn = 0) and, with `ancestral`,
/// `EulerAncestralDiscreteScheduler`: an Euler step to σ_down plus fresh noise of standard
/// deviation σ_up from the generator. The two share their σ schedule and everything but the step.
public struct EulerDiscreteScheduler: DiffusionScheduler {
    private let schedule: EulerSigmaSchedule
    private let prediction: PredictionType
    /// True for the ancestral sampler (draws noise every step).
    public let ancestral: Bool
    /// See ``DiffusionScheduler/timesteps`` (fractional for linspace spacing).
    public var timesteps: [Float] { schedule.timesteps }
    /// σ per step plus the final σ (0 for the ancestral sampler).
    public var sigmas: [Float] { schedule.sigmas }
    /// See ``DiffusionScheduler/initNoiseSigma``.
    public var initNoiseSigma: Float { schedule.initNoiseSigma }

    init(_ config: ResolvedSchedulerConfig, steps: Int, ancestral: Bool = false) {
        schedule = EulerSigmaSchedule(config, steps: steps, ancestral: ancestral)
        prediction = config.predictionType
        self.ancestral = ancestral
    }

    /// sample / sqrt(σ² + 1).
    public func scaleModelInput(_ sample: [Float], stepIndex: Int) -> [Float] {
        schedule.scale(sample, stepIndex: stepIndex)
    }

    /// x + ε·σ at step `stepIndex`.
    public func addNoise(_ original: [Float], noise: [Float], stepIndex: Int) -> [Float] {
        schedule.addNoise(original, noise: noise, stepIndex: stepIndex)
    }

    /// One Euler step from σ_i to σ_{i+1} (no noise); for the ancestral sampler, to σ_down plus `sample.count`
    /// normals from `generator` times σ_up.
    public mutating func step(modelOutput: [Float], stepIndex: Int, sample: [Float], generator: inout TorchGenerator) -> [Float] {
        let sigmaFrom = schedule.sigmas[stepIndex]
        let sigmaTo = schedule.sigmas[stepIndex + 1]
        let original = schedule.predictedOriginal(prediction, modelOutput: modelOutput, sample: sample, sigma: sigmaFrom)
        guard ancestral else { return zip(sample, original).map { x, x0 in x + ((x - x0) / sigmaFrom) * (sigmaTo - sigmaFrom) } }
        let fromSquared = sigmaFrom * sigmaFrom
        let toSquared = sigmaTo * sigmaTo
        let sigmaUp = (toSquared * (fromSquared - toSquared) / fromSquared).squareRoot()
        let sigmaDown = (toSquared - sigmaUp * sigmaUp).squareRoot()
        let dt = sigmaDown - sigmaFrom
        let noise = generator.randn(sample.count)
        var next = zip(sample, original).map { x, x0 in x + ((x - x0) / sigmaFrom) * dt }
        for i in next.indices { next[i] += noise[i] * sigmaUp }
        return next
    }
}
