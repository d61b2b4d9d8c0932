/// The mapping between Darkroom's scheduler kinds and the sampler names other
/// tools write (AUTOMATIC1111 display names, ComfyUI and InvokeAI identifiers).
public enum SamplerNames {
    /// Darkroom scheduler kinds with their AUTOMATIC1111 names, in a stable order.
    public static let a1111Names: [(schedulerKind: String, a1111Name: String)] = [
        ("ddim", "DDIM"),
        ("euler", "Euler"),
        ("euler-a", "Euler a"),
        ("dpmpp-2m", "DPM++ 2M"),
        ("dpmpp-2m-karras", "DPM++ 2M Karras"),
        ("lcm", "LCM"),
    ]

    /// The A1111 sampler name for a Darkroom scheduler kind (`dpmpp-2m` → `DPM++ 2M`), or nil.
    public static func a1111Name(forSchedulerKind kind: String) -> String? {
        a1111Names.first { $0.schedulerKind == kind.lowercased() }?.a1111Name
    }

    /// The Darkroom scheduler kind for an A1111 sampler name, case-insensitively.
    ///
    /// A1111 1.9+ writes the noise schedule separately (`Sampler: DPM++ 2M,
    /// Schedule type: Karras`); pass it as `scheduleType` to get `dpmpp-2m-karras`.
    public static func schedulerKind(forA1111Name name: String, scheduleType: String? = nil) -> String? {
        var full = name.trimmingWhitespace()
        if let type = scheduleType?.trimmingWhitespace(), type.lowercased() == "karras", !full.lowercased().hasSuffix("karras") {
            full += " Karras"
        }
        return a1111Names.first { $0.a1111Name.lowercased() == full.lowercased() }?.schedulerKind
    }

    /// The Darkroom scheduler kind for ComfyUI's `sampler_name` and `scheduler` inputs.
    static func schedulerKind(comfySampler: String, comfyScheduler: String?) -> String? {
        let karras = comfyScheduler?.lowercased() == "karras"
        switch comfySampler.lowercased() {
        case "ddim": return "ddim"
        case "euler": return "euler"
        case "euler_ancestral": return "euler-a"
        case "dpmpp_2m": return karras ? "dpmpp-2m-karras" : "dpmpp-2m"
        case "lcm": return "lcm"
        default: return nil
        }
    }

    /// The Darkroom scheduler kind for an InvokeAI scheduler (`dpmpp_2m_k`) or
    /// InvokeAI 2.x sampler (`k_euler_a`) name.
    static func schedulerKind(invokeAIName: String) -> String? {
        var name = invokeAIName.lowercased()
        if name.hasPrefix("k_") { name.removeFirst(2) }
        switch name {
        case "ddim": return "ddim"
        case "euler": return "euler"
        case "euler_a": return "euler-a"
        case "dpmpp_2m", "dpmpp_2": return "dpmpp-2m"
        case "dpmpp_2m_k", "dpmpp_2_k": return "dpmpp-2m-karras"
        case "lcm": return "lcm"
        default: return nil
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
