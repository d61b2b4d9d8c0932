/// Vectorised float32 `exp` (Cephes `expf` range reduction and polynomial, about 1 ulp) for the
/// hot loops: softmax and SiLU. `SIMD8<Float>` maps to AVX/SSE registers.
enum VectorMath {
    /// Lanes per vector.
    static let width = 8

    /// `e^x` per lane; inputs below -87.3 give 0, above 88.7 give +inf.
    @inline(__always)
    static func exp(_ input: SIMD8<Float>) -> SIMD8<Float> {
        let x = input.clamped(lowerBound: SIMD8(repeating: -87.33654), upperBound: SIMD8(repeating: 88.72284))
        let n = (x * 1.44269504088896341).rounded(.toNearestOrEven)
        var r = x - n * 0.693359375
        r = r + n * 2.12194440e-4
        let r2 = r * r
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r2 + r + 1
        let exponent = SIMD8<Int32>(truncatingIfNeeded: SIMD8<Int32>(n) &+ 127) &<< 23
        var result = p * unsafeBitCast(exponent, to: SIMD8<Float>.self)
        result.replace(with: 0, where: input .< -87.33654)
        result.replace(with: .infinity, where: input .> 88.72284)
        return result
    }

    /// `e^x` of one value through the same polynomial (for loop tails).
    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(SIMD8(repeating: x))[0] }

    /// `buffer[i] = exp(buffer[i] - shift)` for `count` values; returns their sum.
    static func exponentiate(_ buffer: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var total = SIMD8<Float>(repeating: 0)
        var i = 0
        let raw = UnsafeMutableRawPointer(buffer)
        while i + width <= count {
            let v = exp(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - shift)
            raw.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            total += v
            i += width
        }
        var sum = total.sum()
        while i < count {
            buffer[i] = exp(buffer[i] - shift)
            sum += buffer[i]
            i += 1
        }
        return sum
    }

    /// `buffer[i] = buffer[i] * sigmoid(beta * buffer[i])` (SiLU for beta 1, quick-GELU for 1.702).
    static func sigmoidGate(_ buffer: UnsafeMutablePointer<Float>, count: Int, beta: Float) {
        let raw = UnsafeMutableRawPointer(buffer)
        var i = 0
        while i + width <= count {
            let x = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: x / (1 + exp(-beta * x)), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += width
        }
        while i < count {
            buffer[i] = buffer[i] / (1 + exp(-beta * buffer[i]))
            i += 1
        }
    }
}
