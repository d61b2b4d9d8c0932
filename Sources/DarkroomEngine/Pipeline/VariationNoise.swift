import Foundation

/// Variation noise as AUTOMATIC1111 makes it: the initial noise of `seed` spherically interpolated
/// towards the noise of a second seed, by `strength` (0 = the seed's own noise, 1 = the second seed's).
///
/// Both noises come from fresh ``TorchGenerator``s, so a variation is reproducible from
/// (seed, variation seed, strength) alone.
public enum VariationNoise {
    /// `slerp(strength, base, other)` over the whole tensor, as A1111's `slerp`: linear interpolation
    /// when the two directions are almost parallel (cosine > 0.9995).
    public static func slerp(_ strength: Float, _ base: [Float], _ other: [Float]) -> [Float] {
        precondition(base.count == other.count, "noise shapes differ")
        var baseNorm: Float = 0, otherNorm: Float = 0
        for i in base.indices { baseNorm += base[i] * base[i]; otherNorm += other[i] * other[i] }
        baseNorm = baseNorm.squareRoot(); otherNorm = otherNorm.squareRoot()
        var dot: Float = 0
        for i in base.indices { dot += (base[i] / baseNorm) * (other[i] / otherNorm) }
        if abs(dot) > 0.9995 {
            return zip(base, other).map { (1 - strength) * $0 + strength * $1 }
        }
        let omega = acosf(dot)
        let sinOmega = sinf(omega)
        let a = sinf((1 - strength) * omega) / sinOmega
        let b = sinf(strength * omega) / sinOmega
        return zip(base, other).map { a * $0 + b * $1 }
    }

    /// The initial noise for `count` values: the seed's noise, varied towards `variationSeed` when given.
    /// Returns the generator that continues the main seed's stream (for schedulers that draw more noise).
    public static func initial(count: Int, seed: UInt64, variationSeed: UInt64?, strength: Float) -> (noise: [Float], generator: TorchGenerator) {
        var generator = TorchGenerator(seed: seed)
        let noise = generator.randn(count)
        guard let variationSeed, strength > 0 else { return (noise, generator) }
        var other = TorchGenerator(seed: variationSeed)
        return (slerp(strength, noise, other.randn(count)), generator)
    }
}
