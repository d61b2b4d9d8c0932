import Foundation

/// diffusers' `DPMSolverMultistepScheduler` with `algorithm_type`
/// dpmsolver++ (DPM-Solver++ 2M), solver order 1 or 2, midpoint or heun,
/// optionally with Karras σ's. First- and last-step order reduction follows
/// diffusers (`lower_order_final`, `euler_at_final`, `final_sigmas_type`).
public struct DPMSolverMultistepScheduler: DiffusionScheduler {
    /// The integer training timesteps, one per step.
    public let trainingTimesteps: [Int]
    /// See ``DiffusionScheduler/timesteps``.
    public var timesteps: [Float] { trainingTimesteps.map { Float($0) } }
    /// σ per step plus the final σ.
    public let sigmas: [Float]
    /// Always 1.
    public let initNoiseSigma: Float = 1
    private let config: ResolvedSchedulerConfig
    /// The converted (x₀) output of the previous step, for the 2nd order.
    private var previousOutput: [Float]?
    private var lowerOrderCount = 0

    init(_ config: ResolvedSchedulerConfig, steps: Int) throws {
        self.config = config
        let schedule = NoiseSchedule(config)
        let train = config.numTrainTimesteps
        // lambda_min_clipped: the first ascending-λ index at or above it.
        var lastTimestep = train
        if config.lambdaMinClipped.isFinite {
            let lambdas = schedule.alphasCumprod.map { ac -> Float in
                let alpha = ac.squareRoot()
                let sigma = (1 - ac).squareRoot()
                return log(alpha) - log(sigma)
            }
            let clippedIndex = lambdas.reversed().firstIndex { Double($0) >= config.lambdaMinClipped } ?? lambdas.count
            lastTimestep = train - clippedIndex
        }
        var times: [Int]
        switch config.timestepSpacing {
        case .linspace:
            times = Array(NoiseSchedule.numpyLinspace(0, Double(lastTimestep - 1), steps + 1).reversed().dropLast())
                .map { Int(NoiseSchedule.numpyRound($0)) }
        case .leading:
            let ratio = lastTimestep / (steps + 1)
            times = (1...steps).reversed().map { $0 * ratio + config.stepsOffset }
        case .trailing:
            let ratio = Double(train) / Double(steps)
            times = NoiseSchedule.numpyArange(Double(lastTimestep), 0, -ratio).map { Int(NoiseSchedule.numpyRound($0)) - 1 }
        }
        let trainingSigmas = schedule.sigmas
        var stepSigmas: [Double]
        if config.useKarrasSigmas {
            let logSigmas = trainingSigmas.map { Float(log(Double($0))) }
            stepSigmas = NoiseSchedule.karrasSigmas(
                min: config.sigmaMin ?? Double(trainingSigmas[0]),
                max: config.sigmaMax ?? Double(trainingSigmas[trainingSigmas.count - 1]), count: steps)
            times = stepSigmas.map { sigma in
                let t = NoiseSchedule.timestep(forSigma: sigma, logSigmas: logSigmas)
                // diffusers rounds except for the cosine schedule, where the
                // int64 cast truncates.
                return config.betaSchedule == .squaredCosCapV2 ? Int(t) : Int(NoiseSchedule.numpyRound(t))
            }
        } else {
            stepSigmas = times.map { NoiseSchedule.interpolate(Double($0), trainingSigmas) }
        }
        guard !times.isEmpty else {
            throw SchedulerConfigError.invalidStepCount(steps: steps, reason: "the timestep spacing leaves no timesteps")
        }
        let last: Float = config.finalSigmaIsSigmaMin ? trainingSigmas[0] : 0
        sigmas = stepSigmas.map { Float($0) } + [last]
        trainingTimesteps = times
    }

    /// Returns `sample` unchanged: DPM-Solver does not scale the network input.
    public func scaleModelInput(_ sample: [Float], stepIndex: Int) -> [Float] { sample }

    /// α_t and σ_t of a step's σ (variance-preserving).
    private static func alphaSigma(_ sigma: Float) -> (alpha: Float, sigma: Float) {
        let alpha = 1 / (sigma * sigma + 1).squareRoot()
        return (alpha, sigma * alpha)
    }

    private static func lambda(_ pair: (alpha: Float, sigma: Float)) -> Float {
        log(pair.alpha) - log(pair.sigma)
    }

    /// α·x + σ_t·ε with (α, σ_t) of σ at step `stepIndex` (diffusers' `_sigma_to_alpha_sigma_t`).
    public func addNoise(_ original: [Float], noise: [Float], stepIndex: Int) -> [Float] {
        let pair = Self.alphaSigma(sigmas[stepIndex])
        return zip(original, noise).map { x, e in pair.alpha * x + pair.sigma * e }
    }

    /// One DPM-Solver++ step; uses no noise.
    public mutating func step(modelOutput: [Float], stepIndex: Int, sample: [Float], generator: inout TorchGenerator) -> [Float] {
        let count = trainingTimesteps.count
        let isLast = stepIndex == count - 1
        let lowerOrderFinal = isLast
            && (config.eulerAtFinal || (config.lowerOrderFinal && count < 15) || !config.finalSigmaIsSigmaMin)

        // convert_model_output: the x₀ prediction.
        let current = Self.alphaSigma(sigmas[stepIndex])
        let x0: [Float]
        switch config.predictionType {
        case .epsilon:
            x0 = zip(sample, modelOutput).map { x, e in (x - current.sigma * e) / current.alpha }
        case .vPrediction:
            x0 = zip(sample, modelOutput).map { x, v in current.alpha * x - current.sigma * v }
        }
        let previous = previousOutput
        previousOutput = x0

        let target = Self.alphaSigma(sigmas[stepIndex + 1])
        let lambdaT = Self.lambda(target)
        let lambdaS0 = Self.lambda(current)
        let h = lambdaT - lambdaS0
        let sampleScale = target.sigma / current.sigma
        let firstOrder = target.alpha * (exp(-h) - 1)
        let result: [Float]
        if config.solverOrder == 1 || lowerOrderCount < 1 || lowerOrderFinal || previous == nil {
            result = zip(sample, x0).map { x, d0 in sampleScale * x - firstOrder * d0 }
        } else {
            let before = Self.alphaSigma(sigmas[stepIndex - 1])
            let h0 = lambdaS0 - Self.lambda(before)
            let r0 = h0 / h
            let inverseR0 = 1 / r0
            let d1 = zip(x0, previous!).map { m0, m1 in inverseR0 * (m0 - m1) }
            if config.solverTypeHeun {
                let secondOrder = target.alpha * ((exp(-h) - 1) / h + 1)
                result = (0..<sample.count).map { i in sampleScale * sample[i] - firstOrder * x0[i] + secondOrder * d1[i] }
            } else {
                let half: Float = 0.5 * firstOrder
                result = (0..<sample.count).map { i in sampleScale * sample[i] - firstOrder * x0[i] - half * d1[i] }
            }
        }
        if lowerOrderCount < config.solverOrder { lowerOrderCount += 1 }
        return result
    }
}
