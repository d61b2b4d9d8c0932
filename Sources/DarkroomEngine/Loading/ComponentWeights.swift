/// The weights of one model component, handed out by name and shape-checked.
///
/// Tracks which tensors were taken so that `finishLoading()` can reject a file that holds
/// tensors the component's config does not describe.
final class ComponentWeights {
    /// The component's name in error messages (e.g. "unet").
    let component: String
    private let file: SafeTensorsFile
    /// Logical name → stored name (differs when an optional prefix is stripped).
    private let storedNames: [String: String]
    private var taken: Set<String> = []
    private let ignoredPrefixes: [String]

    /// Wraps `file`; names starting with `optionalPrefix` are also reachable without it, and
    /// tensors under `ignoredPrefixes` (logical names) may be left unused.
    init(component: String, file: SafeTensorsFile, optionalPrefix: String? = nil, ignoredPrefixes: [String] = []) {
        self.component = component
        self.file = file
        var names: [String: String] = [:]
        for stored in file.entries.keys {
            if let prefix = optionalPrefix, stored.hasPrefix(prefix) {
                names[String(stored.dropFirst(prefix.count))] = stored
            } else {
                names[stored] = stored
            }
        }
        storedNames = names
        self.ignoredPrefixes = ignoredPrefixes
    }

    /// Whether a tensor with the logical `name` exists.
    func contains(_ name: String) -> Bool { storedNames[name] != nil }

    /// The tensor `name`, which must have `shape`.
    func tensor(_ name: String, shape: [Int]) throws(ModelLoadError) -> Tensor {
        guard let stored = storedNames[name] else { throw .missingTensor(component: component, tensor: name) }
        let actual = file.entries[stored]!.shape
        guard actual == shape else {
            throw .tensorShapeMismatch(component: component, tensor: name, expected: shape, actual: actual)
        }
        taken.insert(name)
        return try file.tensor(named: stored)
    }

    /// Throws if any tensor was neither taken nor under an ignored prefix.
    func finishLoading() throws(ModelLoadError) {
        let leftover = storedNames.keys.filter { name in
            !taken.contains(name) && !ignoredPrefixes.contains { name.hasPrefix($0) }
        }.sorted()
        if !leftover.isEmpty { throw .unexpectedTensors(component: component, tensors: leftover) }
    }

    /// A `Linear` named `name` mapping `input` to `output` features.
    func linear(_ name: String, input: Int, output: Int, bias: Bool = true) throws(ModelLoadError) -> Linear {
        Linear(weight: try tensor("\(name).weight", shape: [output, input]),
               bias: bias ? try tensor("\(name).bias", shape: [output]) : nil)
    }

    /// A square-kernel `Conv2d` named `name`.
    func conv(_ name: String, input: Int, output: Int, kernel: Int, stride: Int = 1, padding: Int? = nil,
              bias: Bool = true) throws(ModelLoadError) -> Conv2d {
        Conv2d(weight: try tensor("\(name).weight", shape: [output, input, kernel, kernel]),
               bias: bias ? try tensor("\(name).bias", shape: [output]) : nil,
               stride: stride, padding: padding ?? kernel / 2)
    }

    /// A `GroupNorm` named `name`.
    func groupNorm(_ name: String, groups: Int, channels: Int, epsilon: Float) throws(ModelLoadError) -> GroupNorm {
        guard groups > 0, channels % groups == 0 else {
            throw .unsupportedConfig(component: component, field: "norm_num_groups", value: "\(groups)",
                                     supported: "a divisor of every channel count (\(channels) here)")
        }
        return GroupNorm(groups: groups, channels: channels, epsilon: epsilon,
                         weight: try tensor("\(name).weight", shape: [channels]),
                         bias: try tensor("\(name).bias", shape: [channels]))
    }

    /// A `LayerNorm` named `name`.
    func layerNorm(_ name: String, dimension: Int, epsilon: Float) throws(ModelLoadError) -> LayerNorm {
        LayerNorm(dimension: dimension, epsilon: epsilon,
                  weight: try tensor("\(name).weight", shape: [dimension]),
                  bias: try tensor("\(name).bias", shape: [dimension]))
    }
}
