import Foundation

/// One diffusers scheduler set up for a fixed number of inference steps.
///
/// Drive it as StableDiffusionPipeline does: initial latents are noise times
/// ``initNoiseSigma``; then for each step index `i` the network sees
/// `scaleModelInput(latents, stepIndex: i)` at timestep `timesteps[i]`, and
/// `step(modelOutput:stepIndex:sample:generator:)` returns the next latents.
/// Schedulers that add noise draw it from `generator`, continuing the same
/// torch-compatible stream that produced the initial latents.
public protocol DiffusionScheduler: Sendable {
    /// One per inference step: the value the UNet receives.
    var timesteps: [Float] { get }
    /// The standard deviation of the initial noise.
    var initNoiseSigma: Float { get }
    /// The network input for step `stepIndex` (identity for DDIM, DPM-Solver
    /// and LCM; division by sqrt(σ² + 1) for the Euler schedulers).
    func scaleModelInput(_ sample: [Float], stepIndex: Int) -> [Float]
    /// The latents after step `stepIndex`, given the network's output there.
    /// Steps must be taken in order, starting at 0.
    mutating func step(modelOutput: [Float], stepIndex: Int, sample: [Float], generator: inout TorchGenerator) -> [Float]
    /// diffusers' `add_noise`: `original` noised with `noise` to the level of step `stepIndex` (an index
    /// into ``timesteps``, as image-to-image and inpainting use it once `set_begin_index` is set: ᾱ at
    /// `timesteps[stepIndex]` for DDIM and LCM, σ at `stepIndex` for the Euler and DPM-Solver schedulers).
    func addNoise(_ original: [Float], noise: [Float], stepIndex: Int) -> [Float]
}

/// diffusers' variance-preserving `add_noise` of DDIM/DDPM/LCM: sqrt(ᾱ)·x + sqrt(1 − ᾱ)·ε.
func addNoise(_ original: [Float], noise: [Float], alphaProduct: Float) -> [Float] {
    let keep = alphaProduct.squareRoot()
    let add = (1 - alphaProduct).squareRoot()
    return zip(original, noise).map { x, e in keep * x + add * e }
}

/// Builds the scheduler of `kind` from `config` for `steps` inference steps,
/// equal to diffusers' class of that kind built with `from_config(config)`
/// and `set_timesteps(steps)`.
public func makeScheduler(_ kind: SchedulerKind, config: SchedulerConfig, steps: Int) throws -> any DiffusionScheduler {
    let resolved = try config.resolved(for: kind)
    guard steps >= 1 else { throw SchedulerConfigError.invalidStepCount(steps: steps, reason: "at least one step is needed") }
    guard steps <= resolved.numTrainTimesteps else {
        throw SchedulerConfigError.invalidStepCount(
            steps: steps, reason: "the model was trained with only \(resolved.numTrainTimesteps) timesteps")
    }
    switch kind {
    case .ddim: return DDIMScheduler(resolved, steps: steps)
    case .euler: return EulerDiscreteScheduler(resolved, steps: steps)
    case .eulerAncestral: return EulerDiscreteScheduler(resolved, steps: steps, ancestral: true)
    case .dpmSolverMultistep, .dpmSolverMultistepKarras: return try DPMSolverMultistepScheduler(resolved, steps: steps)
    case .lcm: return try LCMScheduler(resolved, steps: steps)
    }
}
