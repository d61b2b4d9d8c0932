/// A layer's weight as the gemm reads it: fp32 in memory, or fp32, fp16, bf16 or int8 (with per-row scales)
/// elements left in a memory-mapped safetensors file.
///
/// Mapped 16-bit weights stay 16-bit: a layer widens its weight into a pooled scratch buffer
/// (``ScratchPool``) just before its gemm and gives the buffer back after it, so a model loaded from
/// fp16 files never holds a second, fp32 copy of itself. Mapped fp32 weights are read in place when
/// they are 4-byte aligned. After each use the weight's whole pages are dropped from the process
/// (``MappedFile/releasePages(offset:count:)``): they stay in the kernel's page cache, so the next step
/// faults them back cheaply, but the process's resident memory holds one layer's weights at a time rather
/// than the whole model. A weight that was changed on loading (a LoRA patch, appended embedding rows) is
/// materialised in memory as fp32.
public struct WeightTensor: Sendable {
    /// The extent of each dimension, outermost first.
    public let shape: [Int]
    let storage: Storage

    /// Where the elements are.
    enum Storage: Sendable {
        /// fp32 elements owned by a tensor.
        case dense(Tensor)
        /// Elements of a memory-mapped file.
        case mapped(MappedElements)
    }

    /// A weight holding `tensor`'s fp32 elements.
    public init(_ tensor: Tensor) {
        shape = tensor.shape
        storage = .dense(tensor)
    }

    /// A weight whose elements stay in a mapped file, viewed with `shape`.
    init(mapped elements: MappedElements, shape: [Int]) {
        precondition(shape.reduce(1, *) == elements.count, "WeightTensor: shape \(shape) for \(elements.count) elements")
        self.shape = shape
        storage = .mapped(elements)
    }

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The bytes per element as stored (4 for fp32, 2 for fp16 and bf16, 1 for int8).
    public var storedByteWidth: Int {
        switch storage {
        case .dense: return 4
        case .mapped(let elements): return elements.format.byteWidth
        }
    }

    /// Whether the elements are left in a mapped file rather than copied into memory.
    public var isMapped: Bool {
        if case .mapped = storage { return true }
        return false
    }

    /// The same elements under another shape of equal count.
    func reshaped(_ newShape: [Int]) -> WeightTensor {
        switch storage {
        case .dense(let tensor): return WeightTensor(tensor.reshaped(newShape))
        case .mapped(let elements): return WeightTensor(mapped: elements, shape: newShape)
        }
    }

    /// A fp32 copy of every element (for inspection and for patching; layers never call it).
    public func materialized() -> Tensor {
        switch storage {
        case .dense(let tensor):
            return tensor
        case .mapped(let elements):
            var scalars = [Float](repeating: 0, count: count)
            scalars.withUnsafeMutableBufferPointer { elements.widen(0..<count, into: $0.baseAddress!) }
            return Tensor(shape: shape, scalars: scalars)
        }
    }

    /// Writes elements `range` (row-major positions) as fp32 to `destination`.
    func widen(_ range: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        switch storage {
        case .dense(let tensor):
            tensor.scalars.withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + range.lowerBound, count: range.count) }
        case .mapped(let elements):
            elements.widen(range, into: destination)
        }
    }

    /// Calls `body` with all elements as contiguous fp32: the weight's own storage when it is fp32,
    /// otherwise a pooled scratch buffer the weight was widened into, valid only during `body`.
    func withFloats<Result>(_ body: (UnsafePointer<Float>) -> Result) -> Result {
        switch storage {
        case .dense(let tensor):
            return tensor.scalars.withUnsafeBufferPointer { body($0.baseAddress ?? UnsafePointer(bitPattern: 16)!) }
        case .mapped(let elements):
            defer { elements.file.releasePages(offset: elements.offset, count: elements.count * elements.format.byteWidth) }
            if let direct = elements.alignedFloats { return body(direct) }
            return ScratchPool.shared.withBuffer(count: count) { scratch in
                elements.widen(0..<count, into: scratch)
                return body(scratch)
            }
        }
    }
}

/// A run of fp32, fp16, bf16 or scaled int8 elements inside a memory mapping (kept alive by this value).
struct MappedElements: Sendable {
    /// The element encodings a mapped weight may have.
    enum Format: Sendable {
        /// IEEE binary32, binary16, bfloat16.
        case float32, float16, bfloat16
        /// Symmetric int8 with one fp32 scale per row (output channel): value = q x scale.
        case int8

        /// Bytes per element.
        var byteWidth: Int {
            switch self {
            case .float32: 4
            case .float16, .bfloat16: 2
            case .int8: 1
            }
        }
    }

    /// The mapping the elements live in.
    let file: MappedFile
    /// The byte offset of the first element within the mapping.
    let offset: Int
    /// The number of elements.
    let count: Int
    /// How each element is encoded (little-endian).
    let format: Format
    /// int8 only: the byte offset within the mapping of the fp32 scale of the row holding the first element,
    /// and the elements per row.
    var scaleOffset = 0, rowLength = 1

    /// The first element's address.
    var base: UnsafeRawPointer { file.bytes.baseAddress! + offset }

    /// The elements as fp32 in place, when they are fp32 and 4-byte aligned.
    var alignedFloats: UnsafePointer<Float>? {
        guard format == .float32, count > 0, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return base.assumingMemoryBound(to: Float.self)
    }

    /// Widens elements `range` into `destination`.
    func widen(_ range: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        guard !range.isEmpty else { return }
        let source = base + range.lowerBound * format.byteWidth
        switch format {
        case .float32: UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: range.count * 4)
        case .float16: HalfWidening.widenFloat16(source, into: destination, count: range.count)
        case .bfloat16: HalfWidening.widenBFloat16(source, into: destination, count: range.count)
        case .int8:
            HalfWidening.widenInt8(base, scales: file.bytes.baseAddress! + scaleOffset, rowLength: rowLength,
                                   range: range, into: destination)
        }
    }

    /// The `count` elements from element `start` (a whole number of rows for int8), as their own run.
    func slice(from start: Int, count: Int) -> MappedElements {
        precondition(format != .int8 || start % rowLength == 0, "MappedElements: int8 slice within a row")
        return MappedElements(file: file, offset: offset + start * format.byteWidth, count: count, format: format,
                              scaleOffset: scaleOffset + start / rowLength * 4, rowLength: rowLength)
    }
}
