/// A fast float32 `exp` (Cephes `expf` range reduction and polynomial, about 1 ulp) for the hot
/// loops: softmax, SiLU and quick-GELU. Written as branch-free scalar code on wrapping integer
/// bit patterns so the buffer loops auto-vectorise in release builds and stay cheap in debug ones.
enum VectorMath {
    /// 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer held in the mantissa.
    private static let roundingMagic: Float = 12_582_912

    /// `e^x`; inputs are clamped to [-87.3, 88.7] (so very negative inputs give ~1e-38, not 0).
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        let x = Swift.min(Swift.max(input, -87.33654), 88.72283)
        let shifted = x * 1.44269504088896341 + roundingMagic
        let n = shifted - roundingMagic
        var r = x - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let exponent = (shifted.bitPattern &- roundingMagic.bitPattern &+ 127) &<< 23
        return p * Float(bitPattern: exponent)
    }

    /// `buffer[i] = exp(buffer[i] - shift)` for `count` values; returns their sum.
    static func exponentiate(_ buffer: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        for i in 0..<count { buffer[i] = exp(buffer[i] - shift) }
        return sum(buffer, count: count)
    }

    /// The sum of `count` values, in eight interleaved partial sums (which the compiler can vectorise).
    static func sum(_ buffer: UnsafePointer<Float>, count: Int) -> Float {
        var partial: (Float, Float, Float, Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0, 0, 0, 0)
        var i = 0
        while i + 8 <= count {
            partial.0 += buffer[i]; partial.1 += buffer[i + 1]; partial.2 += buffer[i + 2]; partial.3 += buffer[i + 3]
            partial.4 += buffer[i + 4]; partial.5 += buffer[i + 5]; partial.6 += buffer[i + 6]; partial.7 += buffer[i + 7]
            i += 8
        }
        var total = ((partial.0 + partial.1) + (partial.2 + partial.3)) + ((partial.4 + partial.5) + (partial.6 + partial.7))
        while i < count { total += buffer[i]; i += 1 }
        return total
    }

    /// The largest of `count >= 1` values, in eight interleaved partial maxima.
    static func maximum(_ buffer: UnsafePointer<Float>, count: Int) -> Float {
        let first = buffer[0]
        var partial: (Float, Float, Float, Float, Float, Float, Float, Float) = (first, first, first, first, first, first, first, first)
        var i = 0
        while i + 8 <= count {
            partial.0 = Swift.max(partial.0, buffer[i]); partial.1 = Swift.max(partial.1, buffer[i + 1])
            partial.2 = Swift.max(partial.2, buffer[i + 2]); partial.3 = Swift.max(partial.3, buffer[i + 3])
            partial.4 = Swift.max(partial.4, buffer[i + 4]); partial.5 = Swift.max(partial.5, buffer[i + 5])
            partial.6 = Swift.max(partial.6, buffer[i + 6]); partial.7 = Swift.max(partial.7, buffer[i + 7])
            i += 8
        }
        var result = Swift.max(Swift.max(Swift.max(partial.0, partial.1), Swift.max(partial.2, partial.3)),
                               Swift.max(Swift.max(partial.4, partial.5), Swift.max(partial.6, partial.7)))
        while i < count { result = Swift.max(result, buffer[i]); i += 1 }
        return result
    }

    /// `buffer[i] = buffer[i] * sigmoid(beta * buffer[i])` (SiLU for beta 1, quick-GELU for 1.702).
    static func sigmoidGate(_ buffer: UnsafeMutablePointer<Float>, count: Int, beta: Float) {
        for i in 0..<count {
            let x = buffer[i]
            buffer[i] = x / (1 + exp(-beta * x))
        }
    }
}
