/// Where one logical tensor of a component comes from in a safetensors file: as stored, viewed with
/// another shape, or one of equal row blocks of a stored tensor (single-file checkpoints store some
/// weights that way).
enum TensorSource: Sendable, Equatable {
    /// The stored tensor as it is.
    case whole(String)
    /// The stored tensor's elements under another shape of equal count (a 1x1 conv kernel read as a linear weight).
    case reshaped(String, [Int])
    /// Row block `part` of `parts` equal blocks along the first axis (OpenCLIP's fused `in_proj_weight`).
    case rows(String, part: Int, parts: Int)

    /// The name of the stored tensor.
    var storedName: String {
        switch self {
        case .whole(let name), .reshaped(let name, _), .rows(let name, _, _): return name
        }
    }

    /// The logical shape given the stored one (the stored shape when the view does not fit it).
    func shape(of stored: [Int]) -> [Int] {
        switch self {
        case .whole:
            return stored
        case let .reshaped(_, shape):
            return shape.reduce(1, *) == stored.reduce(1, *) ? shape : stored
        case let .rows(_, _, parts):
            guard let first = stored.first, parts > 0, first % parts == 0 else { return stored }
            return [first / parts] + stored.dropFirst()
        }
    }

    /// Reads the logical tensor (converted to fp32).
    func read(from file: SafeTensorsFile) throws(ModelLoadError) -> Tensor {
        let tensor = try file.tensor(named: storedName)
        switch self {
        case .whole:
            return tensor
        case .reshaped:
            return tensor.reshaped(shape(of: tensor.shape))
        case let .rows(_, part, _):
            let shape = shape(of: tensor.shape)
            let count = shape.reduce(1, *)
            return Tensor(shape: shape, scalars: Array(tensor.scalars[(part * count)..<((part + 1) * count)]))
        }
    }

    /// The logical tensor left where it is stored (fp32, fp16, bf16 or scaled int8 in the file's mapping), or nil when
    /// its dtype is not one of those.
    func mapped(from file: SafeTensorsFile, storedShape: [Int]) -> WeightTensor? {
        guard let elements = file.mappedElements(named: storedName) else { return nil }
        let shape = shape(of: storedShape)
        switch self {
        case .whole, .reshaped:
            return WeightTensor(mapped: elements, shape: shape)
        case let .rows(_, part, _):
            let count = shape.reduce(1, *)
            return WeightTensor(mapped: elements.slice(from: part * count, count: count), shape: shape)
        }
    }
}
