import DarkroomCrypto
import Foundation

/// A LoRA to apply when loading a pipeline, and its strength.
public struct LoRAReference: Sendable, Equatable {
    /// The `.safetensors` LoRA file (kohya/A1111 or diffusers/PEFT layout).
    public var url: URL
    /// The multiplier of the LoRA's update (diffusers' `set_adapters` weight; 1 is the update as trained).
    public var scale: Float

    /// A LoRA at `url` applied at `scale`.
    public init(url: URL, scale: Float = 1) {
        self.url = url
        self.scale = scale
    }
}

/// The key layout of a LoRA file.
public enum LoRAFormat: String, Sendable, Equatable {
    /// kohya-ss / A1111: `lora_unet_…`, `lora_te_…` (`lora_te1_…`), `.lora_down.weight`, `.lora_up.weight`, `.alpha`.
    case kohya
    /// diffusers / PEFT: `unet.….lora_A.weight` / `lora_B.weight` (or `.lora.down/up`, `.lora_linear_layer.down/up`),
    /// `text_encoder.…`, with alphas in the `lora_adapter_metadata` header entry or `.alpha` keys.
    case peft
}

/// What a LoRA file holds, read from its header without applying it to a model.
public struct LoRAInfo: Sendable, Equatable {
    /// The file.
    public let url: URL
    /// The key layout.
    public let format: LoRAFormat
    /// The most common rank among its modules (`ranks` lists every rank present).
    public let rank: Int
    /// Every rank present, ascending.
    public let ranks: [Int]
    /// The models it modifies: `"unet"` and/or `"text_encoder"`.
    public let components: [String]
    /// How many weights it modifies.
    public let moduleCount: Int
    /// The SHA-256 of the file's bytes (lower-case hex).
    public let sha256: String

    /// Reads and checks the LoRA at `url`.
    ///
    /// - Throws: ``ModelLoadError/missingFile(path:role:)``, ``ModelLoadError/pickleRefused(path:)`` for a
    ///   `.ckpt`/`.pt`/`.bin` pickle, ``ModelLoadError/unknownKeys(path:keys:)`` for keys in neither layout or
    ///   a down tensor without its up tensor, or the safetensors header errors.
    public static func read(_ url: URL) throws -> LoRAInfo {
        let lora = try LoRAFile(url: url)
        var counts: [Int: Int] = [:]
        for module in lora.modules {
            if let key = module.downKey, let rank = lora.file.entries[key]?.shape.first { counts[rank, default: 0] += 1 }
        }
        let rank = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? 0
        return LoRAInfo(url: url, format: lora.format, rank: rank, ranks: counts.keys.sorted(),
                        components: LoRATarget.allCases.filter { target in lora.modules.contains { $0.target == target } }.map(\.rawValue),
                        moduleCount: lora.modules.count, sha256: try ContentHash.sha256Hex(fileAt: url))
    }
}

/// An opened, parsed LoRA file: its modules grouped, ready to be matched to a model's weights.
struct LoRAFile {
    let url: URL
    let file: SafeTensorsFile
    let format: LoRAFormat
    let modules: [LoRAModuleKeys]
    /// `lora_adapter_metadata` (diffusers' `save_lora_weights`), as `component.field` → value.
    private let adapterMetadata: [String: Any]

    /// Opens `url` and groups its keys; unknown keys and incomplete modules are an error naming them.
    init(url: URL) throws(ModelLoadError) {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missingFile(path: url.path, role: "LoRA file") }
        if ModelFileKind.isPickle(url) || ModelFileKind.pickleExtensions.contains(url.pathExtension.lowercased()) {
            throw .pickleRefused(path: url.path)
        }
        let file = try SafeTensorsFile(url: url)
        let parsed = LoRAKeyMapping.modules(of: file.entries.keys)
        var unknown = parsed.unknown
        for module in parsed.modules where module.downKey == nil || module.upKey == nil {
            unknown += [module.downKey, module.upKey, module.alphaKey].compactMap { $0 }
        }
        if !unknown.isEmpty { throw .unknownKeys(path: url.path, keys: unknown.sorted()) }
        guard !parsed.modules.isEmpty else { throw .unknownKeys(path: url.path, keys: ["(no LoRA tensors in the file)"]) }
        self.url = url
        self.file = file
        format = parsed.kohya >= parsed.peft ? .kohya : .peft
        modules = parsed.modules
        if let text = file.metadata["lora_adapter_metadata"] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw .headerNotJSON(path: url.path, detail: "__metadata__.lora_adapter_metadata is not a JSON object")
            }
            adapterMetadata = object
        } else {
            adapterMetadata = [:]
        }
        for target in LoRATarget.allCases where modules.contains(where: { $0.target == target && !$0.underscored }) {
            try checkSupported(target)
        }
    }

    /// Rejects adapter settings whose arithmetic the engine does not reproduce.
    private func checkSupported(_ target: LoRATarget) throws(ModelLoadError) {
        let prefix = target.rawValue + "."
        if adapterMetadata[prefix + "use_dora"] as? Bool == true { throw .unsupportedLoRA(path: url.path, detail: "DoRA (\(prefix)use_dora)") }
        if adapterMetadata[prefix + "lora_bias"] as? Bool == true { throw .unsupportedLoRA(path: url.path, detail: "LoRA biases (\(prefix)lora_bias)") }
        if let pattern = adapterMetadata[prefix + "alpha_pattern"] as? [String: Any], !pattern.isEmpty {
            throw .unsupportedLoRA(path: url.path, detail: "per-module alphas (\(prefix)alpha_pattern: \(pattern.keys.sorted().joined(separator: ", ")))")
        }
    }

    /// Registers this LoRA's updates for `target` on `weights`, at `scale`: each weight gets
    /// `scale · alpha / rank · up · down` added as it is read. Modules that match no weight of the
    /// component, and tensors of the wrong shape, are errors naming them.
    func addPatches(for target: LoRATarget, to weights: ComponentWeights, scale: Float) throws(ModelLoadError) {
        let names = Set(weights.logicalNames)
        let index = LoRAKeyMapping.underscoreIndex(weightNames: names)
        var unresolved: [String] = []
        for module in modules where module.target == target {
            guard let downKey = module.downKey, let upKey = module.upKey else { continue }
            guard let name = LoRAKeyMapping.resolve(module, weightNames: names, underscoreIndex: index),
                  let shape = weights.storedShape(name) else {
                unresolved.append(downKey)
                continue
            }
            let down = try file.tensor(named: downKey)
            let up = try file.tensor(named: upKey)
            let rank = Float(down.shape.first ?? 1)
            let alpha = try alpha(of: module, rank: rank)
            let factor = scale * (usesRankStabilizedScaling(module) ? alpha / rank.squareRoot() : alpha / rank)
            let patch = WeightPatch(file: url.path, key: downKey, up: up, down: down, factor: factor)
            try patch.validate(against: shape)
            weights.addPatch(patch, to: name)
        }
        if !unresolved.isEmpty { throw .unknownKeys(path: url.path, keys: unresolved.sorted()) }
    }

    /// The module's alpha: its `.alpha` tensor, else the adapter metadata's `lora_alpha`, else the rank (factor 1).
    private func alpha(of module: LoRAModuleKeys, rank: Float) throws(ModelLoadError) -> Float {
        if let key = module.alphaKey {
            let value = try file.tensor(named: key)
            guard value.count == 1 else { throw .loraShapeMismatch(path: url.path, key: key, expected: [], actual: value.shape) }
            return value.scalars[0]
        }
        if !module.underscored, let number = adapterMetadata[module.target.rawValue + ".lora_alpha"] as? NSNumber {
            return number.floatValue
        }
        return rank
    }

    /// PEFT's rank-stabilised LoRA divides by `sqrt(r)` instead of `r`.
    private func usesRankStabilizedScaling(_ module: LoRAModuleKeys) -> Bool {
        !module.underscored && adapterMetadata[module.target.rawValue + ".use_rslora"] as? Bool == true
    }
}
