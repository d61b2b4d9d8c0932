import Foundation

/// A ``SchedulerConfig`` with the defaults of one diffusers class filled in
/// and every value checked against what the engine implements.
public struct ResolvedSchedulerConfig: Sendable, Equatable {
    /// The beta schedules the engine can build.
    public enum BetaSchedule: String, Sendable, CaseIterable {
        /// Betas evenly spaced from beta_start to beta_end.
        case linear
        /// Square roots of the betas evenly spaced (Stable Diffusion).
        case scaledLinear = "scaled_linear"
        /// The cosine schedule of improved DDPM, betas capped at 0.999.
        case squaredCosCapV2 = "squaredcos_cap_v2"
    }

    /// How inference timesteps are picked from the training range.
    public enum TimestepSpacing: String, Sendable, CaseIterable {
        /// Multiples of num_train_timesteps / steps from 0, plus steps_offset.
        case leading
        /// Counting down from num_train_timesteps - 1.
        case trailing
        /// Evenly spaced over [0, num_train_timesteps - 1].
        case linspace
    }

    /// The class whose defaults were applied.
    public let kind: SchedulerKind
    /// `num_train_timesteps`.
    public let numTrainTimesteps: Int
    /// `beta_start`.
    public let betaStart: Double
    /// `beta_end`.
    public let betaEnd: Double
    /// `beta_schedule`.
    public let betaSchedule: BetaSchedule
    /// `trained_betas`, when given.
    public let trainedBetas: [Double]?
    /// `prediction_type`.
    public let predictionType: PredictionType
    /// `timestep_spacing`.
    public let timestepSpacing: TimestepSpacing
    /// `steps_offset`.
    public let stepsOffset: Int
    /// `set_alpha_to_one` (DDIM, LCM).
    public let setAlphaToOne: Bool
    /// `clip_sample` (DDIM, LCM).
    public let clipSample: Bool
    /// `clip_sample_range` (DDIM, LCM).
    public let clipSampleRange: Double
    /// Karras sigmas (Euler from the config; DPM-Solver from the kind).
    public let useKarrasSigmas: Bool
    /// `sigma_min` for Karras sigmas, when given.
    public let sigmaMin: Double?
    /// `sigma_max` for Karras sigmas, when given.
    public let sigmaMax: Double?
    /// `final_sigmas_type` is sigma_min (else zero).
    public let finalSigmaIsSigmaMin: Bool
    /// `solver_order` (DPM-Solver).
    public let solverOrder: Int
    /// `solver_type` is heun (else midpoint) (DPM-Solver).
    public let solverTypeHeun: Bool
    /// `lower_order_final` (DPM-Solver).
    public let lowerOrderFinal: Bool
    /// `euler_at_final` (DPM-Solver).
    public let eulerAtFinal: Bool
    /// `lambda_min_clipped` (DPM-Solver).
    public let lambdaMinClipped: Double
    /// `original_inference_steps` (LCM).
    public let originalInferenceSteps: Int
    /// `timestep_scaling` (LCM).
    public let timestepScaling: Double

    /// Applies `kind`'s class defaults to `config` and validates it.
    public init(_ config: SchedulerConfig, kind: SchedulerKind) throws {
        self.kind = kind
        let isLCM = kind == .lcm
        numTrainTimesteps = config.numTrainTimesteps ?? 1000
        guard numTrainTimesteps >= 2 else {
            throw SchedulerConfigError.unsupportedValue(
                field: "num_train_timesteps", value: "\(numTrainTimesteps)", supported: "2 or more")
        }
        betaStart = config.betaStart ?? (isLCM ? 0.00085 : 0.0001)
        betaEnd = config.betaEnd ?? (isLCM ? 0.012 : 0.02)
        betaSchedule = try Self.choice(config.betaSchedule, default: isLCM ? .scaledLinear : .linear, field: "beta_schedule")
        if let betas = config.trainedBetas, betas.count != numTrainTimesteps {
            throw SchedulerConfigError.unsupportedValue(
                field: "trained_betas", value: "\(betas.count) values",
                supported: "exactly num_train_timesteps (\(numTrainTimesteps)) values")
        }
        trainedBetas = config.trainedBetas
        let prediction = config.predictionTypeName ?? "epsilon"
        guard let predictionType = PredictionType(rawValue: prediction) else {
            throw SchedulerConfigError.unsupportedValue(
                field: "prediction_type", value: prediction, supported: "epsilon, v_prediction")
        }
        self.predictionType = predictionType
        let defaultSpacing: TimestepSpacing = (kind == .ddim || isLCM) ? .leading : .linspace
        timestepSpacing = try Self.choice(config.timestepSpacing, default: defaultSpacing, field: "timestep_spacing")
        stepsOffset = config.stepsOffset ?? 0
        setAlphaToOne = config.setAlphaToOne ?? true
        clipSample = config.clipSample ?? (kind == .ddim)
        clipSampleRange = config.clipSampleRange ?? 1
        switch kind {
        case .euler: useKarrasSigmas = config.useKarrasSigmas ?? false
        case .dpmSolverMultistepKarras: useKarrasSigmas = true
        default: useKarrasSigmas = false
        }
        sigmaMin = config.sigmaMin
        sigmaMax = config.sigmaMax
        let finalSigmas = config.finalSigmasType ?? "zero"
        guard ["zero", "sigma_min"].contains(finalSigmas) else {
            throw SchedulerConfigError.unsupportedValue(field: "final_sigmas_type", value: finalSigmas, supported: "zero, sigma_min")
        }
        finalSigmaIsSigmaMin = finalSigmas == "sigma_min"
        solverOrder = config.solverOrder ?? 2
        let solverType = config.solverType ?? "midpoint"
        solverTypeHeun = solverType == "heun"
        lowerOrderFinal = config.lowerOrderFinal ?? true
        eulerAtFinal = config.eulerAtFinal ?? false
        lambdaMinClipped = config.lambdaMinClipped ?? -.infinity
        originalInferenceSteps = config.originalInferenceSteps ?? 50
        timestepScaling = config.timestepScaling ?? 10

        // Features the engine does not implement, named by field.
        func reject(_ field: String, _ value: Bool?) throws {
            if value == true {
                throw SchedulerConfigError.unsupportedValue(field: field, value: "true", supported: "false")
            }
        }
        try reject("thresholding", config.thresholding)
        try reject("rescale_betas_zero_snr", config.rescaleBetasZeroSNR)
        if kind == .euler || kind.isDPMSolver {
            try reject("use_exponential_sigmas", config.useExponentialSigmas)
            try reject("use_beta_sigmas", config.useBetaSigmas)
        }
        if kind == .euler {
            if let value = config.interpolationType, value != "linear" {
                throw SchedulerConfigError.unsupportedValue(field: "interpolation_type", value: value, supported: "linear")
            }
            if let value = config.timestepType, value != "discrete" {
                throw SchedulerConfigError.unsupportedValue(field: "timestep_type", value: value, supported: "discrete")
            }
        }
        if kind.isDPMSolver {
            try reject("use_lu_lambdas", config.useLuLambdas)
            if let value = config.algorithmType, value != "dpmsolver++" {
                throw SchedulerConfigError.unsupportedValue(field: "algorithm_type", value: value, supported: "dpmsolver++")
            }
            guard [1, 2].contains(solverOrder) else {
                throw SchedulerConfigError.unsupportedValue(field: "solver_order", value: "\(solverOrder)", supported: "1, 2")
            }
            guard ["midpoint", "heun"].contains(solverType) else {
                throw SchedulerConfigError.unsupportedValue(field: "solver_type", value: solverType, supported: "midpoint, heun")
            }
            if let value = config.varianceType {
                throw SchedulerConfigError.unsupportedValue(field: "variance_type", value: value, supported: "null")
            }
        }
        if isLCM, originalInferenceSteps < 1 || originalInferenceSteps > numTrainTimesteps {
            throw SchedulerConfigError.unsupportedValue(
                field: "original_inference_steps", value: "\(originalInferenceSteps)",
                supported: "1 to num_train_timesteps")
        }
    }

    private static func choice<T: RawRepresentable & CaseIterable>(
        _ value: String?, default fallback: T, field: String
    ) throws -> T where T.RawValue == String {
        guard let value else { return fallback }
        guard let choice = T(rawValue: value) else {
            throw SchedulerConfigError.unsupportedValue(
                field: field, value: value, supported: T.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return choice
    }

    /// The effective configuration as diffusers would store it for this
    /// class: `_class_name` plus every field the class reads, with defaults
    /// filled in. Keys are sorted, so equal configurations give equal bytes.
    public var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "_class_name": kind.diffusersClassName,
            "num_train_timesteps": numTrainTimesteps,
            "beta_start": betaStart,
            "beta_end": betaEnd,
            "beta_schedule": betaSchedule.rawValue,
            "trained_betas": trainedBetas.map { $0 as Any } ?? NSNull(),
            "prediction_type": predictionType.rawValue,
            "timestep_spacing": timestepSpacing.rawValue,
            "steps_offset": stepsOffset,
            "rescale_betas_zero_snr": false,
        ]
        switch kind {
        case .ddim, .lcm:
            object["set_alpha_to_one"] = setAlphaToOne
            object["clip_sample"] = clipSample
            object["clip_sample_range"] = clipSampleRange
            object["thresholding"] = false
            if kind == .lcm {
                object["original_inference_steps"] = originalInferenceSteps
                object["timestep_scaling"] = timestepScaling
            }
        case .euler:
            object["use_karras_sigmas"] = useKarrasSigmas
            object["interpolation_type"] = "linear"
            object["timestep_type"] = "discrete"
            object["final_sigmas_type"] = finalSigmaIsSigmaMin ? "sigma_min" : "zero"
            object["sigma_min"] = sigmaMin.map { $0 as Any } ?? NSNull()
            object["sigma_max"] = sigmaMax.map { $0 as Any } ?? NSNull()
        case .eulerAncestral:
            break
        case .dpmSolverMultistep, .dpmSolverMultistepKarras:
            object["use_karras_sigmas"] = useKarrasSigmas
            object["solver_order"] = solverOrder
            object["algorithm_type"] = "dpmsolver++"
            object["solver_type"] = solverTypeHeun ? "heun" : "midpoint"
            object["lower_order_final"] = lowerOrderFinal
            object["euler_at_final"] = eulerAtFinal
            object["final_sigmas_type"] = finalSigmaIsSigmaMin ? "sigma_min" : "zero"
            object["thresholding"] = false
            object["sigma_min"] = sigmaMin.map { $0 as Any } ?? NSNull()
            object["sigma_max"] = sigmaMax.map { $0 as Any } ?? NSNull()
            // JSON has no infinity; diffusers' default (-inf) is written as null.
            object["lambda_min_clipped"] = lambdaMinClipped.isFinite ? lambdaMinClipped : NSNull()
        }
        return object
    }
}

extension SchedulerKind {
    var isDPMSolver: Bool { self == .dpmSolverMultistep || self == .dpmSolverMultistepKarras }
}

extension SchedulerConfig {
    /// This configuration with `kind`'s class defaults applied and validated.
    public func resolved(for kind: SchedulerKind) throws -> ResolvedSchedulerConfig {
        try ResolvedSchedulerConfig(self, kind: kind)
    }

    /// The effective configuration for `kind` as sorted-key JSON, to store
    /// with every generation so it can be reproduced.
    public func effectiveJSON(for kind: SchedulerKind) throws -> Data {
        try JSONSerialization.data(withJSONObject: resolved(for: kind).jsonObject, options: [.sortedKeys, .prettyPrinted])
    }
}
