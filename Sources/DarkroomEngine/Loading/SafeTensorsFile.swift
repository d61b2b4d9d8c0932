import Foundation

/// The element types a safetensors file may store that the engine reads (converted to fp32).
///
/// Weights are F32, F16 or BF16, or I8 with per-row F32 scales (see ``SafeTensorsFile/int8ScaleName(of:)``); the
/// other integer types and F64 appear in buffers (such as CLIP's `position_ids`) and in test goldens.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    /// IEEE 754 binary32.
    case f32 = "F32"
    /// IEEE 754 binary16.
    case f16 = "F16"
    /// bfloat16 (the top half of a binary32).
    case bf16 = "BF16"
    /// IEEE 754 binary64.
    case f64 = "F64"
    /// Signed 64-bit integers.
    case i64 = "I64"
    /// Signed 32-bit integers.
    case i32 = "I32"
    /// Unsigned bytes.
    case u8 = "U8"
    /// Signed bytes: a quantised weight, read with its scales.
    case i8 = "I8"

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .u8, .i8: return 1
        }
    }
}

/// One tensor's header entry.
public struct SafeTensorsEntry: Sendable, Equatable {
    /// The stored element type.
    public let dtype: SafeTensorsDType
    /// The tensor's shape.
    public let shape: [Int]
    /// The byte range within the data section (after the header).
    public let byteRange: Range<Int>
}

/// A memory-mapped, strictly validated safetensors file.
///
/// Opening validates the whole header (length, UTF-8, JSON, dtypes, shapes against
/// byte sizes, offsets in range and tiling the data section without overlap);
/// tensors are converted to fp32 only when read.
public struct SafeTensorsFile: Sendable {
    /// The largest header accepted (the format's own limit is 100 MB).
    static let maximumHeaderLength: UInt64 = 100_000_000

    /// The path the file was opened from.
    public let path: String
    /// The tensors in the file, by name.
    public let entries: [String: SafeTensorsEntry]
    /// The `__metadata__` string map, if present.
    public let metadata: [String: String]
    private let mapping: MappedFile
    private let dataStart: Int

    /// Opens and validates the file at `url`.
    public init(url: URL) throws(ModelLoadError) {
        let mapping = try MappedFile(url: url)
        let path = url.path
        let bytes = mapping.bytes
        guard bytes.count >= 8 else {
            throw .truncatedFile(path: path, detail: "\(bytes.count) bytes, fewer than the 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= SafeTensorsFile.maximumHeaderLength, headerLength <= UInt64(bytes.count - 8) else {
            throw .headerLengthBeyondFile(path: path, headerLength: headerLength, fileSize: bytes.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + Int(headerLength))])
        guard let headerText = String(validating: headerBytes, as: UTF8.self) else {
            throw .headerNotUTF8(path: path)
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerText.utf8), options: [])
        } catch {
            throw .headerNotJSON(path: path, detail: "JSON syntax error")
        }
        guard let object = json as? [String: Any] else {
            throw .headerNotJSON(path: path, detail: "the header is not a JSON object")
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = bytes.count - dataStart
        var entries: [String: SafeTensorsEntry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw .headerNotJSON(path: path, detail: "__metadata__ is not an object")
                }
                for (key, item) in map {
                    guard let text = item as? String else {
                        throw .headerNotJSON(path: path, detail: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries[name] = try SafeTensorsFile.entry(name: name, value: value, path: path, dataSize: dataSize)
        }
        let ordered = entries.sorted { ($0.value.byteRange.lowerBound, $0.key) < ($1.value.byteRange.lowerBound, $1.key) }
        var cursor = 0
        var previous = "the start of the data section"
        for (name, entry) in ordered {
            if entry.byteRange.lowerBound < cursor {
                throw .overlappingOrGappedTensors(path: path, detail: "'\(name)' overlaps \(previous)")
            }
            if entry.byteRange.lowerBound > cursor {
                throw .overlappingOrGappedTensors(path: path, detail: "unclaimed bytes \(cursor)..<\(entry.byteRange.lowerBound) before '\(name)'")
            }
            cursor = entry.byteRange.upperBound
            previous = "'\(name)'"
        }
        if cursor != dataSize {
            throw .overlappingOrGappedTensors(path: path, detail: "the header describes \(cursor) data bytes but the file holds \(dataSize)")
        }
        self.path = path
        self.entries = entries
        self.metadata = metadata
        self.mapping = mapping
        self.dataStart = dataStart
    }

    /// Validates one header entry.
    private static func entry(name: String, value: Any, path: String, dataSize: Int) throws(ModelLoadError) -> SafeTensorsEntry {
        guard let fields = value as? [String: Any] else {
            throw .malformedTensorEntry(path: path, tensor: name, detail: "not a JSON object")
        }
        guard let dtypeName = fields["dtype"] as? String else {
            throw .malformedTensorEntry(path: path, tensor: name, detail: "missing string field 'dtype'")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw .unknownDType(path: path, tensor: name, dtype: dtypeName)
        }
        guard let rawShape = fields["shape"] as? [Any] else {
            throw .malformedTensorEntry(path: path, tensor: name, detail: "missing array field 'shape'")
        }
        let shape = try rawShape.map { (item: Any) throws(ModelLoadError) -> Int in
            guard let dimension = exactInteger(item), dimension >= 0 else {
                throw .malformedTensorEntry(path: path, tensor: name, detail: "shape entries must be non-negative integers")
            }
            return dimension
        }
        guard let rawOffsets = fields["data_offsets"] as? [Any], rawOffsets.count == 2,
              let begin = exactInteger(rawOffsets[0]), let end = exactInteger(rawOffsets[1]) else {
            throw .malformedTensorEntry(path: path, tensor: name, detail: "'data_offsets' must be two integers")
        }
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw .offsetsOutOfRange(path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        var expected = dtype.byteWidth
        for dimension in shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= dataSize || dimension == 0 else {
                throw .byteSizeMismatch(path: path, tensor: name, expectedBytes: Int.max, actualBytes: end - begin)
            }
            expected = product
        }
        guard expected == end - begin else {
            throw .byteSizeMismatch(path: path, tensor: name, expectedBytes: expected, actualBytes: end - begin)
        }
        return SafeTensorsEntry(dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// An integer from a JSON number, or nil for non-integers, booleans and out-of-range values.
    private static func exactInteger(_ value: Any) -> Int? {
        guard !(type(of: value) == Bool.self), let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
        return number.intValue
    }

    /// The elements of the F32, F16 or BF16 tensor `name` where they lie in the mapping (nil for other
    /// dtypes, unknown names, and on big-endian hosts), to be widened where they are used.
    func mappedElements(named name: String) -> MappedElements? {
        #if _endian(little)
        guard let entry = entries[name] else { return nil }
        let format: MappedElements.Format
        switch entry.dtype {
        case .f32: format = .float32
        case .f16: format = .float16
        case .bf16: format = .bfloat16
        case .i8:
            guard let scales = int8Scales(of: name, entry) else { return nil }
            let count = entry.shape.reduce(1, *)
            return MappedElements(file: mapping, offset: dataStart + entry.byteRange.lowerBound, count: count,
                                  format: .int8, scaleOffset: dataStart + scales.byteRange.lowerBound,
                                  rowLength: count / entry.shape[0])
        default: return nil
        }
        return MappedElements(file: mapping, offset: dataStart + entry.byteRange.lowerBound,
                              count: entry.shape.reduce(1, *), format: format)
        #else
        return nil
        #endif
    }

    /// The name of the scales of the int8 weight `name`: `NAME_scale`, F32 of shape `[rows]` (the first dimension).
    /// Element i of the weight is its stored byte times the scale of its row, as the converter
    /// `scripts/quantize-int8.py` writes them (symmetric, per output channel).
    public static func int8ScaleName(of name: String) -> String { name + "_scale" }

    /// The scales entry of the I8 tensor `name` when it is present and well-formed.
    private func int8Scales(of name: String, _ entry: SafeTensorsEntry) -> SafeTensorsEntry? {
        guard let first = entry.shape.first, first > 0, let scales = entries[Self.int8ScaleName(of: name)],
              scales.dtype == .f32, scales.shape == [first] else { return nil }
        return scales
    }

    /// The tensor `name` converted to fp32 (an I8 weight multiplied by its per-row scales).
    public func tensor(named name: String) throws(ModelLoadError) -> Tensor {
        guard let entry = entries[name] else { throw .missingTensor(component: path, tensor: name) }
        let count = entry.shape.reduce(1, *)
        var rowScales: [Float] = []
        if entry.dtype == .i8 {
            guard int8Scales(of: name, entry) != nil else {
                throw .malformedTensorEntry(path: path, tensor: name, detail: "an I8 weight needs its per-row scales, \(Self.int8ScaleName(of: name)): F32 of shape [\(entry.shape.first ?? 0)]")
            }
            rowScales = try tensor(named: Self.int8ScaleName(of: name)).scalars
        }
        let source = UnsafeRawBufferPointer(rebasing: mapping.bytes[(dataStart + entry.byteRange.lowerBound)..<(dataStart + entry.byteRange.upperBound)])
        var scalars = [Float](repeating: 0, count: count)
        scalars.withUnsafeMutableBufferPointer { out in
            switch entry.dtype {
            case .f32:
                if count > 0 { UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: source.baseAddress!, byteCount: count * 4) }
                #if _endian(big)
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
                #endif
            case .f16:
                for i in 0..<count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    out[i] = Float(Float16(bitPattern: bits))
                }
            case .bf16:
                for i in 0..<count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    out[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            case .f64:
                for i in 0..<count {
                    out[i] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                }
            case .i64:
                for i in 0..<count { out[i] = Float(Int64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
            case .i32:
                for i in 0..<count { out[i] = Float(Int32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            case .u8:
                for i in 0..<count { out[i] = Float(source[i]) }
            case .i8:
                let rowLength = count / max(1, rowScales.count)
                for i in 0..<count { out[i] = Float(Int8(bitPattern: source[i])) * rowScales[i / rowLength] }
            }
        }
        return Tensor(shape: entry.shape, scalars: scalars)
    }
}
