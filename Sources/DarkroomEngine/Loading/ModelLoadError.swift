/// Why a model directory, config or weight file could not be loaded.
///
/// Every message names the file (and tensor or field) involved and what to do about it.
public enum ModelLoadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A required file is absent.
    case missingFile(path: String, role: String)
    /// A file exists but could not be opened or read.
    case unreadableFile(path: String, reason: String)
    /// A safetensors file is shorter than its own header says.
    case truncatedFile(path: String, detail: String)
    /// The 8-byte header length points past the end of the file (or is absurdly large).
    case headerLengthBeyondFile(path: String, headerLength: UInt64, fileSize: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8(path: String)
    /// The header is not a JSON object of tensor entries.
    case headerNotJSON(path: String, detail: String)
    /// A tensor entry lacks a field or has a field of the wrong type.
    case malformedTensorEntry(path: String, tensor: String, detail: String)
    /// A tensor uses a dtype the engine cannot read.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A tensor's byte range does not match its shape and dtype.
    case byteSizeMismatch(path: String, tensor: String, expectedBytes: Int, actualBytes: Int)
    /// A tensor's byte range falls outside the data section.
    case offsetsOutOfRange(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors share bytes, or the data section has gaps the header does not describe.
    case overlappingOrGappedTensors(path: String, detail: String)
    /// A weight the component needs is not in its file.
    case missingTensor(component: String, tensor: String)
    /// The file holds weights the component's config does not use.
    case unexpectedTensors(component: String, tensors: [String])
    /// A weight has the wrong shape for the component's config.
    case tensorShapeMismatch(component: String, tensor: String, expected: [Int], actual: [Int])
    /// A JSON config is unreadable or has an invalid field.
    case invalidConfig(path: String, detail: String)
    /// A config field has a value the engine does not implement.
    case unsupportedConfig(component: String, field: String, value: String, supported: String)
    /// The BLAS library the engine computes with could not be loaded.
    case blasUnavailable(detail: String)
    /// A `.ckpt`/`.pt`/`.bin` file is a Python pickle, which the engine never opens.
    case pickleRefused(path: String)
    /// A LoRA or checkpoint file holds keys the engine cannot place in this model (truncated list in the message).
    case unknownKeys(path: String, keys: [String])
    /// A LoRA tensor's shape does not fit the weight it modifies.
    case loraShapeMismatch(path: String, key: String, expected: [Int], actual: [Int])
    /// A LoRA uses a feature the engine does not implement (DoRA, LoRA biases, ...).
    case unsupportedLoRA(path: String, detail: String)
    /// A single-file checkpoint was given without the tokenizer folder it needs.
    case tokenizerRequired(checkpoint: String)
    /// A single-file checkpoint's weights do not describe a model the engine can build.
    case unrecognizedCheckpoint(path: String, detail: String)
    /// A textual-inversion embedding cannot be used with this model.
    case invalidEmbedding(path: String, detail: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .missingFile(path, role):
            return "Missing \(role) at \(path). Point the engine at a diffusers model folder (the one holding model_index.json) saved with save_pretrained in safetensors format."
        case let .unreadableFile(path, reason):
            return "Cannot read \(path): \(reason). Check the file exists and is readable."
        case let .truncatedFile(path, detail):
            return "The weight file \(path) is truncated (\(detail)). Re-download or re-export the model."
        case let .headerLengthBeyondFile(path, headerLength, fileSize):
            return "The weight file \(path) declares a \(headerLength)-byte header but is only \(fileSize) bytes long; it is truncated or not a safetensors file."
        case let .headerNotUTF8(path):
            return "The header of \(path) is not valid UTF-8; the file is corrupt or not a safetensors file."
        case let .headerNotJSON(path, detail):
            return "The header of \(path) is not a valid safetensors JSON header (\(detail)); the file is corrupt."
        case let .malformedTensorEntry(path, tensor, detail):
            return "Tensor '\(tensor)' in \(path) has a malformed header entry: \(detail). The file is corrupt."
        case let .unknownDType(path, tensor, dtype):
            return "Tensor '\(tensor)' in \(path) has dtype \(dtype); only F32, F16 and BF16 weights (and F64/I64/I32/U8 buffers) are supported. Convert the model to one of these."
        case let .byteSizeMismatch(path, tensor, expected, actual):
            return "Tensor '\(tensor)' in \(path) occupies \(actual) bytes but its shape and dtype need \(expected); the file is corrupt."
        case let .offsetsOutOfRange(path, tensor, begin, end, dataSize):
            return "Tensor '\(tensor)' in \(path) claims bytes \(begin)..<\(end) of a \(dataSize)-byte data section; the file is truncated or corrupt."
        case let .overlappingOrGappedTensors(path, detail):
            return "The tensors in \(path) do not tile its data section (\(detail)); the file is corrupt."
        case let .missingTensor(component, tensor):
            return "The \(component) weights lack '\(tensor)'. The weight file does not match its config.json; re-export the model."
        case let .unexpectedTensors(component, tensors):
            let shown = tensors.prefix(5).joined(separator: ", ")
            return "The \(component) weights hold \(tensors.count) tensor(s) its config.json does not describe (\(shown)\(tensors.count > 5 ? ", ..." : "")). The weight file does not match its config; re-export the model."
        case let .tensorShapeMismatch(component, tensor, expected, actual):
            return "The \(component) weight '\(tensor)' has shape \(actual) but its config.json implies \(expected). The weight file does not match its config."
        case let .invalidConfig(path, detail):
            return "Invalid config \(path): \(detail)."
        case let .unsupportedConfig(component, field, value, supported):
            return "The \(component) config sets \(field) = \(value), which this engine does not support (supported: \(supported))."
        case let .blasUnavailable(detail):
            return "The engine needs OpenBLAS, which could not be loaded (\(detail)). Install it: apt-get install libopenblas0."
        case let .pickleRefused(path):
            return "Refusing to load \(path): it is a Python pickle (.ckpt/.pt/.bin), and loading a pickle can run arbitrary code. Convert it to safetensors in a sandbox first, e.g. with diffusers' scripts/convert_original_stable_diffusion_to_diffusers.py (--to_safetensors) or safetensors' convert tool, then use the .safetensors file."
        case let .unknownKeys(path, keys):
            let shown = keys.prefix(8).joined(separator: ", ")
            return "\(path) holds \(keys.count) key(s) that match no weight of this model (\(shown)\(keys.count > 8 ? ", ..." : "")). The file is for another model family or in a layout the engine does not read; nothing was skipped silently."
        case let .loraShapeMismatch(path, key, expected, actual):
            return "The LoRA tensor '\(key)' in \(path) has shape \(actual) but the weight it modifies needs \(expected). The LoRA was made for another model."
        case let .unsupportedLoRA(path, detail):
            return "The LoRA \(path) uses \(detail), which this engine does not implement."
        case let .tokenizerRequired(checkpoint):
            return "The checkpoint \(checkpoint) holds no tokenizer. Give a tokenizer folder (--tokenizer DIR or the generate.tokenizer setting): the tokenizer/ folder of a diffusers model of the same family, holding tokenizer.json or vocab.json + merges.txt (plus tokenizer_config.json / special_tokens_map.json when present)."
        case let .unrecognizedCheckpoint(path, detail):
            return "\(path) is not a Stable Diffusion 1.x/2.x checkpoint in the original (CompVis) layout the engine reads: \(detail)."
        case let .invalidEmbedding(path, detail):
            return "The textual-inversion embedding \(path) cannot be used: \(detail)."
        }
    }
}
