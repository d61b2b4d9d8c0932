/// The samplers the engine offers, named as the `--scheduler` option names
/// them. Each maps to one diffusers scheduler class; the kind overrides the
/// class named in `scheduler_config.json` (as diffusers' `from_config`
/// does), keeping the shared fields.
public enum SchedulerKind: String, CaseIterable, Codable, Sendable {
    /// `DDIMScheduler` (eta 0, deterministic).
    case ddim
    /// `EulerDiscreteScheduler`.
    case euler
    /// `EulerAncestralDiscreteScheduler` (draws noise every step).
    case eulerAncestral = "euler-a"
    /// `DPMSolverMultistepScheduler`, DPM-Solver++ 2M.
    case dpmSolverMultistep = "dpmpp-2m"
    /// `DPMSolverMultistepScheduler` with `use_karras_sigmas=true`.
    case dpmSolverMultistepKarras = "dpmpp-2m-karras"
    /// `LCMScheduler` (latent consistency models; draws noise between steps).
    case lcm

    /// The diffusers class this kind reproduces.
    public var diffusersClassName: String {
        switch self {
        case .ddim: "DDIMScheduler"
        case .euler: "EulerDiscreteScheduler"
        case .eulerAncestral: "EulerAncestralDiscreteScheduler"
        case .dpmSolverMultistep, .dpmSolverMultistepKarras: "DPMSolverMultistepScheduler"
        case .lcm: "LCMScheduler"
        }
    }
}

/// What the denoising network predicts.
public enum PredictionType: String, Sendable, Codable {
    /// The added noise ε.
    case epsilon
    /// The velocity v = α·ε − σ·x₀.
    case vPrediction = "v_prediction"
}
