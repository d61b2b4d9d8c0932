import CEngineKernels

/// Conversions of little-endian fp16, bf16 and scaled int8 elements to fp32, split across threads for large
/// weights: fp16 through the C kernel (F16C where the CPU has it, integer bit patterns eight at a time
/// elsewhere), bf16 as a shift of its bit pattern, int8 through the C kernel, row by row with its scale.
enum HalfWidening {
    /// Writes `count` fp16 values from `source` (any alignment) to `destination` as fp32, exactly (the C kernel:
    /// F16C where the CPU has it).
    static func widenFloat16(_ source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>, count: Int) {
        forEachChunk(count, source: source, destination: destination, byteWidth: 2) { from, to, length in
            drk_widen_float16(from, to, length)
        }
    }

    /// Writes elements `range` of an int8 weight to `destination` as fp32: element i is `elements[i]` times the
    /// little-endian fp32 `scales[i / rowLength]` (one scale per output channel). Rows are split across threads.
    static func widenInt8(_ elements: UnsafeRawPointer, scales: UnsafeRawPointer, rowLength: Int, range: Range<Int>,
                          into destination: UnsafeMutablePointer<Float>) {
        let from = SharedPointer(base: UnsafeMutableRawPointer(mutating: elements).assumingMemoryBound(to: UInt8.self))
        let scale = SharedPointer(base: UnsafeMutableRawPointer(mutating: scales).assumingMemoryBound(to: UInt8.self))
        let to = SharedPointer(base: destination)
        let rows = range.isEmpty ? 0..<0 : (range.lowerBound / rowLength)..<((range.upperBound - 1) / rowLength + 1)
        ParallelLoop.forEachChunk(rows.count, costPerIteration: rowLength) { chunk in
            for row in (rows.lowerBound + chunk.lowerBound)..<(rows.lowerBound + chunk.upperBound) {
                let start = max(range.lowerBound, row * rowLength), end = min(range.upperBound, (row + 1) * rowLength)
                let bits = UInt32(littleEndian: UnsafeRawPointer(scale.base).loadUnaligned(fromByteOffset: 4 * row, as: UInt32.self))
                drk_widen_int8(from.base + start, to.base + (start - range.lowerBound), end - start, Float(bitPattern: bits))
            }
        }
    }

    /// Writes `count` bf16 values from `source` (any alignment) to `destination` as fp32, exactly.
    static func widenBFloat16(_ source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>, count: Int) {
        forEachChunk(count, source: source, destination: destination, byteWidth: 2) { from, to, length in
            var i = 0
            while i + 8 <= length {
                let half = SIMD8<UInt32>(truncatingIfNeeded: from.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self))
                UnsafeMutableRawPointer(to + i).storeBytes(of: unsafeBitCast(half &<< 16, to: SIMD8<Float>.self), as: SIMD8<Float>.self)
                i += 8
            }
            while i < length {
                to[i] = Float(bitPattern: UInt32(UInt16(littleEndian: from.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                i += 1
            }
        }
    }

    /// Runs `body(source, destination, length)` over disjoint chunks of `count` elements, concurrently
    /// when there are enough of them.
    private static func forEachChunk(
        _ count: Int, source: UnsafeRawPointer, destination: UnsafeMutablePointer<Float>, byteWidth: Int,
        _ body: @escaping @Sendable (UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void
    ) {
        let from = SharedPointer(base: UnsafeMutableRawPointer(mutating: source).assumingMemoryBound(to: UInt8.self))
        let to = SharedPointer(base: destination)
        let block = 1 << 14
        ParallelLoop.forEachChunk((count + block - 1) / block, costPerIteration: block) { range in
            let start = range.lowerBound * block
            let end = min(count, range.upperBound * block)
            body(UnsafeRawPointer(from.base + start * byteWidth), to.base + start, end - start)
        }
    }
}
