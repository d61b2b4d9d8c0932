/// Conversions of little-endian fp16 and bf16 elements to fp32, eight at a time on integer bit
/// patterns (so they vectorise without the F16C instructions the baseline x86-64 target lacks), and
/// split across threads for large weights.
enum HalfWidening {
    /// `2^112`: scales an fp16 exponent/mantissa placed in fp32 bit positions to its value
    /// (and makes fp16 subnormals exact normal fp32 numbers).
    private static let exponentRebias: Float = 0x1p112

    /// Writes `count` fp16 values from `source` (any alignment) to `destination` as fp32, exactly.
    static func widenFloat16(_ source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>, count: Int) {
        forEachChunk(count, source: source, destination: destination, byteWidth: 2) { from, to, length in
            var i = 0
            while i + 8 <= length {
                let half = SIMD8<UInt32>(truncatingIfNeeded: from.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self))
                let magnitude = unsafeBitCast((half & 0x7FFF) &<< 13, to: SIMD8<Float>.self) * exponentRebias
                var bits = unsafeBitCast(magnitude, to: SIMD8<UInt32>.self)
                bits.replace(with: bits | 0x7F80_0000, where: (half & 0x7C00) .== 0x7C00)
                bits |= (half & 0x8000) &<< 16
                UnsafeMutableRawPointer(to + i).storeBytes(of: unsafeBitCast(bits, to: SIMD8<Float>.self), as: SIMD8<Float>.self)
                i += 8
            }
            while i < length {
                to[i] = Float(Float16(bitPattern: UInt16(littleEndian: from.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                i += 1
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
