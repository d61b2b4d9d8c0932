/// The clean latents x̂₀ a step's model output implies: what a preview shows from the first step
/// (A1111 and ComfyUI preview the same "denoised" estimate), where the step's own latents are still
/// mostly noise.
///
/// Every scheduler's model input is the variance-preserving x_t (`scaleModelInput`: the latents divided
/// by sqrt(σ² + 1) for the Euler schedulers, the latents themselves for DDIM, DPM-Solver and LCM), so one
/// formula serves all: with ᾱ at the step's timestep (interpolated for fractional timesteps),
/// x̂₀ = sqrt(ᾱ)·x_t − sqrt(1 − ᾱ)·v for v-prediction and (x_t − sqrt(1 − ᾱ)·ε) / sqrt(ᾱ) for ε-prediction.
public struct DenoisedEstimate: Sendable {
    let alphasCumprod: [Float]
    let prediction: PredictionType

    /// The estimate for `kind` on the model's scheduler `config`.
    public init(config: SchedulerConfig, kind: SchedulerKind) throws {
        let resolved = try config.resolved(for: kind)
        alphasCumprod = NoiseSchedule(resolved).alphasCumprod
        prediction = resolved.predictionType
    }

    /// ᾱ at `timestep`, linear between training timesteps.
    func alphaBar(_ timestep: Float) -> Float {
        let t = min(max(timestep, 0), Float(alphasCumprod.count - 1))
        let low = Int(t.rounded(.down)), high = min(low + 1, alphasCumprod.count - 1)
        let f = t - Float(low)
        return alphasCumprod[low] * (1 - f) + alphasCumprod[high] * f
    }

    /// x̂₀ from the UNet's input `input` (x_t) and its (guided) output at `timestep`.
    public func estimate(input: [Float], output: [Float], timestep: Float) -> [Float] {
        let alpha = alphaBar(timestep)
        let a = alpha.squareRoot(), s = (1 - alpha).squareRoot()
        switch prediction {
        case .vPrediction: return zip(input, output).map { a * $0 - s * $1 }
        case .epsilon: return zip(input, output).map { ($0 - s * $1) / max(a, 1e-6) }
        }
    }
}
