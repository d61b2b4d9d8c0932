import Foundation

/// The contents of a diffusers `scheduler_config.json`.
///
/// Every field is kept as written (`nil` when absent); unknown keys are
/// ignored. The values a scheduler actually uses depend on its class, because
/// diffusers fills missing fields with the defaults of the class being built:
/// ``resolved(for:)`` applies those defaults and validates the values, and
/// ``effectiveJSON(for:)`` renders the result for storing with a generation.
public struct SchedulerConfig: Sendable, Codable, Equatable {
    /// `_class_name`: the class the file was written for (informational; the
    /// ``SchedulerKind`` decides the class).
    public var className: String?
    /// `num_train_timesteps`.
    public var numTrainTimesteps: Int?
    /// `beta_start`.
    public var betaStart: Double?
    /// `beta_end`.
    public var betaEnd: Double?
    /// `beta_schedule`: linear, scaled_linear or squaredcos_cap_v2.
    public var betaSchedule: String?
    /// `trained_betas`: explicit betas overriding the schedule.
    public var trainedBetas: [Double]?
    /// `prediction_type` as written (see ``predictionType``).
    public var predictionTypeName: String?
    /// `timestep_spacing`: leading, trailing or linspace.
    public var timestepSpacing: String?
    /// `steps_offset`.
    public var stepsOffset: Int?
    /// `set_alpha_to_one` (DDIM, LCM).
    public var setAlphaToOne: Bool?
    /// `clip_sample` (DDIM, LCM).
    public var clipSample: Bool?
    /// `clip_sample_range` (DDIM, LCM).
    public var clipSampleRange: Double?
    /// `thresholding` (only false is supported).
    public var thresholding: Bool?
    /// `rescale_betas_zero_snr` (only false is supported).
    public var rescaleBetasZeroSNR: Bool?
    /// `use_karras_sigmas` (Euler; for DPM-Solver the kind decides).
    public var useKarrasSigmas: Bool?
    /// `use_exponential_sigmas` (only false is supported).
    public var useExponentialSigmas: Bool?
    /// `use_beta_sigmas` (only false is supported).
    public var useBetaSigmas: Bool?
    /// `use_lu_lambdas` (only false is supported).
    public var useLuLambdas: Bool?
    /// `sigma_min` (Karras sigmas).
    public var sigmaMin: Double?
    /// `sigma_max` (Karras sigmas).
    public var sigmaMax: Double?
    /// `interpolation_type` (Euler; only linear is supported).
    public var interpolationType: String?
    /// `timestep_type` (Euler; only discrete is supported).
    public var timestepType: String?
    /// `final_sigmas_type`: zero or sigma_min.
    public var finalSigmasType: String?
    /// `solver_order` (DPM-Solver; 1 or 2).
    public var solverOrder: Int?
    /// `algorithm_type` (DPM-Solver; only dpmsolver++).
    public var algorithmType: String?
    /// `solver_type` (DPM-Solver; midpoint or heun).
    public var solverType: String?
    /// `lower_order_final` (DPM-Solver).
    public var lowerOrderFinal: Bool?
    /// `euler_at_final` (DPM-Solver).
    public var eulerAtFinal: Bool?
    /// `lambda_min_clipped` (DPM-Solver).
    public var lambdaMinClipped: Double?
    /// `variance_type` (DPM-Solver; only absent/null is supported).
    public var varianceType: String?
    /// `original_inference_steps` (LCM).
    public var originalInferenceSteps: Int?
    /// `timestep_scaling` (LCM).
    public var timestepScaling: Double?

    /// `prediction_type`: epsilon unless the file says v_prediction. A value
    /// the engine does not support is reported by ``resolved(for:)``.
    public var predictionType: PredictionType {
        get { PredictionType(rawValue: predictionTypeName ?? "epsilon") ?? .epsilon }
        set { predictionTypeName = newValue.rawValue }
    }

    enum CodingKeys: String, CodingKey {
        case className = "_class_name"
        case numTrainTimesteps = "num_train_timesteps"
        case betaStart = "beta_start"
        case betaEnd = "beta_end"
        case betaSchedule = "beta_schedule"
        case trainedBetas = "trained_betas"
        case predictionTypeName = "prediction_type"
        case timestepSpacing = "timestep_spacing"
        case stepsOffset = "steps_offset"
        case setAlphaToOne = "set_alpha_to_one"
        case clipSample = "clip_sample"
        case clipSampleRange = "clip_sample_range"
        case thresholding
        case rescaleBetasZeroSNR = "rescale_betas_zero_snr"
        case useKarrasSigmas = "use_karras_sigmas"
        case useExponentialSigmas = "use_exponential_sigmas"
        case useBetaSigmas = "use_beta_sigmas"
        case useLuLambdas = "use_lu_lambdas"
        case sigmaMin = "sigma_min"
        case sigmaMax = "sigma_max"
        case interpolationType = "interpolation_type"
        case timestepType = "timestep_type"
        case finalSigmasType = "final_sigmas_type"
        case solverOrder = "solver_order"
        case algorithmType = "algorithm_type"
        case solverType = "solver_type"
        case lowerOrderFinal = "lower_order_final"
        case eulerAtFinal = "euler_at_final"
        case lambdaMinClipped = "lambda_min_clipped"
        case varianceType = "variance_type"
        case originalInferenceSteps = "original_inference_steps"
        case timestepScaling = "timestep_scaling"
    }

    /// An empty configuration: every field takes the class default.
    public init() {}

    /// Reads and decodes a `scheduler_config.json`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SchedulerConfigError.invalidJSON("\(url.path) cannot be read (\(error.localizedDescription))")
        }
        try self.init(json: data)
    }

    /// Decodes the JSON of a `scheduler_config.json`.
    ///
    /// diffusers writes Python's non-standard `Infinity`/`-Infinity`/`NaN` (e.g. `"lambda_min_clipped": -Infinity`
    /// in every `DPMSolverMultistepScheduler` config), so the JSON5 reader, which accepts them, is used.
    public init(json: Data) throws {
        do {
            let decoder = JSONDecoder()
            decoder.allowsJSON5 = true
            self = try decoder.decode(SchedulerConfig.self, from: json)
        } catch let error as DecodingError {
            throw SchedulerConfigError.invalidJSON(Self.describe(error))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field \"\(path(context))\" has the wrong type (\(context.debugDescription))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not a JSON object" : "field \"\(path(context))\" is malformed"
        case .keyNotFound(let key, _):
            return "missing field \"\(key.stringValue)\""
        @unknown default:
            return "\(error)"
        }
    }
}
