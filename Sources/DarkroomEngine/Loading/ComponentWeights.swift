/// The weights of one model component, handed out by name and shape-checked.
///
/// Tracks which tensors were taken so that `finishLoading()` can reject a file that holds
/// tensors the component's config does not describe. A component can instead be given seeded
/// random weights of whatever shapes its config implies (for benchmarks at real sizes).
final class ComponentWeights {
    /// The component's name in error messages (e.g. "unet").
    let component: String
    private let file: SafeTensorsFile?
    /// Logical name → where it is stored (differs when an optional prefix is stripped or a checkpoint is renamed).
    private let storedNames: [String: TensorSource]
    private var taken: Set<String> = []
    /// Low-rank updates (LoRA) to add to weights as they are read, by logical name.
    private var patches: [String: [WeightPatch]] = [:]
    /// Rows to append to a weight as it is read (textual-inversion vectors after the token embeddings), by logical name.
    private var appendedRows: [String: Tensor] = [:]
    private let ignoredPrefixes: [String]
    /// The state of the random source when there is no file.
    private var randomState: UInt64

    /// Seeded random weights: every requested tensor exists, with values scaled by 1/sqrt(fan-in)
    /// (norm scales near 1), so activations stay in a realistic range.
    init(component: String, randomSeed: UInt64) {
        self.component = component
        file = nil
        storedNames = [:]
        ignoredPrefixes = []
        randomState = randomSeed
    }

    /// Wraps `file`; names starting with `optionalPrefix` are also reachable without it, and
    /// tensors under `ignoredPrefixes` (logical names) may be left unused.
    init(component: String, file: SafeTensorsFile, optionalPrefix: String? = nil, ignoredPrefixes: [String] = []) {
        self.component = component
        self.file = file
        var names: [String: TensorSource] = [:]
        for stored in file.entries.keys {
            if let prefix = optionalPrefix, stored.hasPrefix(prefix) {
                names[String(stored.dropFirst(prefix.count))] = .whole(stored)
            } else {
                names[stored] = .whole(stored)
            }
        }
        storedNames = names
        self.ignoredPrefixes = ignoredPrefixes
        randomState = 0
    }

    /// Wraps `file` under the logical names of `sources` (a single-file checkpoint's renamed tensors);
    /// tensors of `file` that no source reads are not this component's concern.
    init(component: String, file: SafeTensorsFile, sources: [String: TensorSource], ignoredPrefixes: [String] = []) {
        self.component = component
        self.file = file
        storedNames = sources
        self.ignoredPrefixes = ignoredPrefixes
        randomState = 0
    }

    /// The logical names of the stored tensors (empty for random weights).
    var logicalNames: [String] { Array(storedNames.keys) }

    /// The shape of the stored tensor `name`, when there is one.
    func storedShape(_ name: String) -> [Int]? {
        guard let file, let source = storedNames[name], let entry = file.entries[source.storedName] else { return nil }
        return source.shape(of: entry.shape)
    }

    /// Appends `rows` (`[n, width]`) to the 2-D weight `name` when it is read, which then has `n` more rows.
    func appendRows(_ rows: Tensor, to name: String) {
        if let existing = appendedRows[name] {
            appendedRows[name] = Tensor(shape: [existing.shape[0] + rows.shape[0], rows.shape[1]], scalars: existing.scalars + rows.scalars)
        } else {
            appendedRows[name] = rows
        }
    }

    /// Adds `patch` to the weight `name` when it is read; `finishLoading()` fails if it never is.
    func addPatch(_ patch: WeightPatch, to name: String) {
        patches[name, default: []].append(patch)
    }
    /// The tensor `name`, which must have `shape`, as fp32 in memory.
    func tensor(_ name: String, shape: [Int]) throws(ModelLoadError) -> Tensor {
        switch try stored(name, shape: shape) {
        case .tensor(let tensor): return tensor
        case .mapped(let weight): return weight.materialized()
        }
    }

    /// The weight `name`, which must have `shape`: left in the file's mapping (at its stored precision) when
    /// it is read unchanged, and fp32 in memory when it is random, patched (LoRA) or has appended rows.
    func weight(_ name: String, shape: [Int]) throws(ModelLoadError) -> WeightTensor {
        switch try stored(name, shape: shape) {
        case .tensor(let tensor): return WeightTensor(tensor)
        case .mapped(let weight): return weight
        }
    }

    /// A checked tensor, read into memory or left mapped.
    private enum Stored {
        case tensor(Tensor)
        case mapped(WeightTensor)
    }

    /// Looks up and shape-checks `name`; leaves it mapped when nothing changes it.
    private func stored(_ name: String, shape: [Int]) throws(ModelLoadError) -> Stored {
        guard let file else { return .tensor(randomTensor(name, shape: shape)) }
        guard let source = storedNames[name], let entry = file.entries[source.storedName] else {
            throw .missingTensor(component: component, tensor: name)
        }
        var actual = source.shape(of: entry.shape)
        let extra = appendedRows[name]
        if let extra, actual.count == 2, extra.shape.count == 2, extra.shape[1] == actual[1] { actual[0] += extra.shape[0] }
        guard actual == shape else {
            throw .tensorShapeMismatch(component: component, tensor: name, expected: shape, actual: actual)
        }
        taken.insert(name)
        if entry.dtype == .i8 { taken.insert(SafeTensorsFile.int8ScaleName(of: name)) }
        if extra == nil, patches[name] == nil, let mapped = source.mapped(from: file, storedShape: entry.shape) {
            return .mapped(mapped)
        }
        var tensor = try source.read(from: file)
        if let extra { tensor = Tensor(shape: actual, scalars: tensor.scalars + extra.scalars) }
        for patch in patches.removeValue(forKey: name) ?? [] { try patch.apply(to: &tensor) }
        return .tensor(tensor)
    }

    /// Throws if any tensor was neither taken nor under an ignored prefix.
    func finishLoading() throws(ModelLoadError) {
        guard file != nil else { return }
        let leftover = storedNames.keys.filter { name in
            !taken.contains(name) && !ignoredPrefixes.contains { name.hasPrefix($0) }
        }.sorted()
        if !leftover.isEmpty { throw .unexpectedTensors(component: component, tensors: leftover) }
        if let (name, pending) = patches.min(by: { $0.key < $1.key }), let first = pending.first {
            throw .unknownKeys(path: first.file, keys: patches.values.flatMap { $0.map(\.key) }.sorted() + ["(targets \(name), which this model does not use)"])
        }
    }

    /// Uniform values of variance 1/fan-in for weights, small values around 1 for 1-D scales.
    private func randomTensor(_ name: String, shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        let fanIn = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
        let isScale = shape.count == 1 && name.hasSuffix(".weight")
        let spread = shape.count > 1 ? Float(3.0 / Double(fanIn)).squareRoot() : 0.1
        var state = randomState
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            z ^= z >> 31
            let unit = Float(z >> 40) / Float(1 << 24) * 2 - 1
            scalars[i] = (isScale ? 1 : 0) + unit * spread
        }
        randomState = state
        return Tensor(shape: shape, scalars: scalars)
    }

    /// A `Linear` named `name` mapping `input` to `output` features.
    func linear(_ name: String, input: Int, output: Int, bias: Bool = true) throws(ModelLoadError) -> Linear {
        Linear(weight: try weight("\(name).weight", shape: [output, input]),
               bias: bias ? try tensor("\(name).bias", shape: [output]) : nil)
    }

    /// A square-kernel `Conv2d` named `name`.
    func conv(_ name: String, input: Int, output: Int, kernel: Int, stride: Int = 1, padding: Int? = nil,
              bias: Bool = true) throws(ModelLoadError) -> Conv2d {
        let pad = padding ?? kernel / 2
        return Conv2d(weight: try weight("\(name).weight", shape: [output, input, kernel, kernel]),
                      bias: bias ? try tensor("\(name).bias", shape: [output]) : nil,
                      stride: stride, padding: (pad, pad, pad, pad))
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
