import Foundation

/// The training noise schedule shared by all schedulers: betas, alphas and
/// their cumulative product, computed with torch's float32 arithmetic
/// (`torch.linspace` in float32, `torch.cumprod` accumulating in double), so
/// every derived value matches diffusers to float32 rounding.
struct NoiseSchedule: Sendable {
    /// ᾱ_t for t in 0..<num_train_timesteps.
    let alphasCumprod: [Float]

    init(_ config: ResolvedSchedulerConfig) {
        let count = config.numTrainTimesteps
        let betas: [Float]
        if let trained = config.trainedBetas {
            betas = trained.map { Float($0) }
        } else {
            switch config.betaSchedule {
            case .linear:
                betas = Self.torchLinspace(Float(config.betaStart), Float(config.betaEnd), count)
            case .scaledLinear:
                betas = Self.torchLinspace(Float(config.betaStart.squareRoot()), Float(config.betaEnd.squareRoot()), count)
                    .map { $0 * $0 }
            case .squaredCosCapV2:
                func alphaBar(_ t: Double) -> Double {
                    let c = cos((t + 0.008) / 1.008 * Double.pi / 2)
                    return c * c
                }
                betas = (0..<count).map { i in
                    let t1 = Double(i) / Double(count)
                    let t2 = Double(i + 1) / Double(count)
                    return Float(min(1 - alphaBar(t2) / alphaBar(t1), 0.999))
                }
            }
        }
        var product = 1.0
        alphasCumprod = betas.map { beta in
            product *= Double(1 - beta)
            return Float(product)
        }
    }

    /// `torch.linspace(start, end, count, dtype=torch.float32)` on CPU.
    static func torchLinspace(_ start: Float, _ end: Float, _ count: Int) -> [Float] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (end - start) / Float(count - 1)
        let halfway = count / 2
        return (0..<count).map { i in
            i < halfway ? start + step * Float(i) : end - step * Float(count - i - 1)
        }
    }

    /// σ_t = sqrt((1 − ᾱ_t) / ᾱ_t) in float32, ascending in t.
    var sigmas: [Float] {
        alphasCumprod.map { ((1 - $0) / $0).squareRoot() }
    }

    /// numpy's `round`: halves go to the even neighbour.
    static func numpyRound(_ value: Double) -> Double { value.rounded(.toNearestOrEven) }

    /// `np.linspace(start, stop, count)` in double (endpoint included).
    static func numpyLinspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (stop - start) / Double(count - 1)
        var values = (0..<count).map { Double($0) * step + start }
        values[count - 1] = stop
        return values
    }

    /// `np.arange(start, stop, step)` in double.
    static func numpyArange(_ start: Double, _ stop: Double, _ step: Double) -> [Double] {
        let count = max(0, Int(((stop - start) / step).rounded(.up)))
        return (0..<count).map { start + Double($0) * step }
    }

    /// `np.interp(x, arange(len(values)), values)`.
    static func interpolate(_ x: Double, _ values: [Float]) -> Double {
        if x <= 0 { return Double(values[0]) }
        let last = values.count - 1
        if x >= Double(last) { return Double(values[last]) }
        let j = Int(x.rounded(.down))
        let low = Double(values[j])
        let slope = Double(values[j + 1]) - low
        return slope * (x - Double(j)) + low
    }

    /// diffusers' `_convert_to_karras`: rho = 7 between sigmaMax and sigmaMin.
    static func karrasSigmas(min sigmaMin: Double, max sigmaMax: Double, count: Int) -> [Double] {
        let rho = 7.0
        let minInverse = pow(sigmaMin, 1 / rho)
        let maxInverse = pow(sigmaMax, 1 / rho)
        return numpyLinspace(0, 1, count).map { ramp in pow(maxInverse + ramp * (minInverse - maxInverse), rho) }
    }

    /// diffusers' `_sigma_to_t`: the fractional training timestep of `sigma`
    /// by linear interpolation in log σ. `logSigmas` ascends with t.
    static func timestep(forSigma sigma: Double, logSigmas: [Float]) -> Double {
        let logSigma = log(max(sigma, 1e-10))
        var lowIndex = 0
        for (index, value) in logSigmas.enumerated() where logSigma - Double(value) >= 0 { lowIndex = index }
        lowIndex = min(lowIndex, logSigmas.count - 2)
        let low = Double(logSigmas[lowIndex])
        let high = Double(logSigmas[lowIndex + 1])
        let w = min(max((low - logSigma) / (low - high), 0), 1)
        return (1 - w) * Double(lowIndex) + w * Double(lowIndex + 1)
    }
}

extension NoiseSchedule {
    /// x₀ predicted from the network output for the DDPM-style parametrisation
    /// with ᾱ (DDIM and LCM): epsilon gives (x − √(1−ᾱ)·ε)/√ᾱ, v gives
    /// √ᾱ·x − √(1−ᾱ)·v, in float32 as torch computes them.
    static func predictedOriginal(
        _ prediction: PredictionType, modelOutput: [Float], sample: [Float], alphaProduct: Float
    ) -> [Float] {
        let betaProduct = 1 - alphaProduct
        let sqrtAlpha = alphaProduct.squareRoot()
        let sqrtBeta = betaProduct.squareRoot()
        switch prediction {
        case .epsilon:
            return zip(sample, modelOutput).map { x, e in (x - sqrtBeta * e) / sqrtAlpha }
        case .vPrediction:
            return zip(sample, modelOutput).map { x, v in sqrtAlpha * x - sqrtBeta * v }
        }
    }
}

