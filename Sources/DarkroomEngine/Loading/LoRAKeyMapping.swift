import Foundation

/// The model a LoRA module modifies.
enum LoRATarget: String, Sendable, CaseIterable {
    case unet
    case textEncoder = "text_encoder"
}

/// One LoRA module as stored: its down/up tensors and optional alpha, before it is matched to a weight.
struct LoRAModuleKeys: Sendable, Equatable {
    /// The model it modifies.
    var target: LoRATarget
    /// kohya: the underscore-joined module path (`down_blocks_0_attentions_0_proj_in`); PEFT/diffusers: the
    /// dotted module path (`down_blocks.0.attentions.0.proj_in`), both without the component prefix.
    var module: String
    /// Whether `module` is kohya's underscore form.
    var underscored: Bool
    var downKey: String?
    var upKey: String?
    var alphaKey: String?
}

/// Parses LoRA key names in the kohya/A1111 and diffusers/PEFT layouts.
enum LoRAKeyMapping {
    /// kohya prefixes and the model each names (`lora_te1_` is SDXL's spelling of the first text encoder).
    static let kohyaPrefixes: [(String, LoRATarget)] = [("lora_unet_", .unet), ("lora_te_", .textEncoder), ("lora_te1_", .textEncoder)]
    /// kohya suffixes: which role each names.
    static let kohyaSuffixes: [(String, Role)] = [(".lora_down.weight", .down), (".lora_up.weight", .up), (".alpha", .alpha)]
    /// diffusers/PEFT prefixes.
    static let peftPrefixes: [(String, LoRATarget)] = [("unet.", .unet), ("text_encoder.", .textEncoder)]
    /// diffusers/PEFT suffixes: PEFT's `lora_A/B`, diffusers' converted `lora.down/up` and `lora_linear_layer.down/up`.
    static let peftSuffixes: [(String, Role)] = [
        (".lora_A.weight", .down), (".lora_B.weight", .up), (".lora.down.weight", .down), (".lora.up.weight", .up),
        (".lora_linear_layer.down.weight", .down), (".lora_linear_layer.up.weight", .up), (".alpha", .alpha),
    ]

    /// What a key holds.
    enum Role { case down, up, alpha }

    /// Groups `keys` into modules; keys in neither layout come back in `unknown`.
    static func modules(of keys: some Sequence<String>) -> (modules: [LoRAModuleKeys], unknown: [String], kohya: Int, peft: Int) {
        var modules: [String: LoRAModuleKeys] = [:]
        var unknown: [String] = []
        var (kohya, peft) = (0, 0)
        for key in keys {
            guard let (target, module, role, underscored) = parse(key) else {
                unknown.append(key)
                continue
            }
            if underscored { kohya += 1 } else { peft += 1 }
            let id = "\(target.rawValue)|\(underscored)|\(module)"
            var entry = modules[id] ?? LoRAModuleKeys(target: target, module: module, underscored: underscored)
            switch role {
            case .down: entry.downKey = key
            case .up: entry.upKey = key
            case .alpha: entry.alphaKey = key
            }
            modules[id] = entry
        }
        return (modules.values.sorted { ($0.target.rawValue, $0.module) < ($1.target.rawValue, $1.module) }, unknown.sorted(), kohya, peft)
    }

    /// `(target, module, role, kohya?)` of one key, or nil when it is in neither layout.
    static func parse(_ key: String) -> (LoRATarget, String, Role, Bool)? {
        for (prefix, target) in kohyaPrefixes where key.hasPrefix(prefix) {
            for (suffix, role) in kohyaSuffixes where key.hasSuffix(suffix) {
                let module = String(key.dropFirst(prefix.count).dropLast(suffix.count))
                guard !module.isEmpty, !module.contains(".") else { return nil }
                return (target, module, role, true)
            }
            return nil
        }
        for (prefix, target) in peftPrefixes where key.hasPrefix(prefix) {
            for (suffix, role) in peftSuffixes where key.hasSuffix(suffix) {
                let module = String(key.dropFirst(prefix.count).dropLast(suffix.count))
                guard !module.isEmpty else { return nil }
                return (target, module, role, false)
            }
            return nil
        }
        return nil
    }

    /// The logical weight name (`<module>.weight`) in a component for `module`, given the component's
    /// logical tensor names; text-encoder paths are matched with or without `text_model.`.
    static func resolve(_ module: LoRAModuleKeys, weightNames: Set<String>, underscoreIndex: [String: String]) -> String? {
        var path = module.module
        if module.target == .textEncoder {
            for prefix in [module.underscored ? "text_model_" : "text_model."] where path.hasPrefix(prefix) {
                path = String(path.dropFirst(prefix.count))
            }
        }
        if module.underscored { return underscoreIndex[path] }
        let name = path + ".weight"
        return weightNames.contains(name) ? name : nil
    }

    /// kohya module name (dots as underscores) → logical weight name, for every 2-D or 4-D `.weight` of a component.
    static func underscoreIndex(weightNames: some Sequence<String>) -> [String: String] {
        var index: [String: String] = [:]
        for name in weightNames where name.hasSuffix(".weight") {
            index[String(name.dropLast(".weight".count)).replacingOccurrences(of: ".", with: "_")] = name
        }
        return index
    }
}
