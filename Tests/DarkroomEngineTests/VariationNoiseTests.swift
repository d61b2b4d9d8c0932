import Foundation
import Testing
@testable import DarkroomEngine

@Suite struct VariationNoiseTests {
    @Test func strengthZeroAndOneGiveEachSeedsNoise() {
        var a = TorchGenerator(seed: 1), b = TorchGenerator(seed: 2)
        let base = a.randn(64), other = b.randn(64)
        #expect(VariationNoise.initial(count: 64, seed: 1, variationSeed: 2, strength: 0).noise == base)
        let full = VariationNoise.slerp(1, base, other)
        #expect(zip(full, other).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func halfwayKeepsTheNoiseScale() {
        var a = TorchGenerator(seed: 3), b = TorchGenerator(seed: 4)
        let base = a.randn(4096), other = b.randn(4096)
        let mixed = VariationNoise.slerp(0.5, base, other)
        func norm(_ v: [Float]) -> Float { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        // Spherical interpolation of two near-orthogonal Gaussian vectors keeps their length (a lerp would shrink it by ~√2).
        #expect(abs(norm(mixed) - norm(base)) / norm(base) < 0.05)
        #expect(mixed != base && mixed != other)
    }
}
