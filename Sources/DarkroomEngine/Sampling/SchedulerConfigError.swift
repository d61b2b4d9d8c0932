/// Why a scheduler could not be built from a `scheduler_config.json`.
public enum SchedulerConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file is not a JSON object, or a field has the wrong JSON type.
    case invalidJSON(String)
    /// A field holds a value this engine does not implement.
    case unsupportedValue(field: String, value: String, supported: String)
    /// The step count cannot be used with this configuration.
    case invalidStepCount(steps: Int, reason: String)

    /// A message naming the field and what would work instead.
    public var description: String {
        switch self {
        case .invalidJSON(let reason):
            "The scheduler configuration is not valid: \(reason)."
        case .unsupportedValue(let field, let value, let supported):
            "The scheduler configuration field \"\(field)\" is \(value), which the engine does not support (supported: \(supported))."
        case .invalidStepCount(let steps, let reason):
            "\(steps) inference steps cannot be used: \(reason)."
        }
    }
}
