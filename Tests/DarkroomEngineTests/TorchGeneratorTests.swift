import Foundation
import Testing
@testable import DarkroomEngine

private struct RNGGoldens: Decodable {
    struct Call: Decodable {
        let count: Int
        let values: [Double]?
        let prefix: [Double]?
        let suffix: [Double]?
        let fnv1a: String
    }
    struct Case: Decodable {
        let seed: String
        let calls: [Call]
    }
    let avx2: [Case]
    let scalar: [Case]
}

/// FNV-1a 64 over the little-endian bytes of the float32 bit patterns.
private func fnv1a(_ values: [Float]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for value in values {
        var bits = value.bitPattern
        for _ in 0..<4 {
            hash = (hash ^ UInt64(bits & 0xFF)) &* 0x100_0000_01B3
            bits >>= 8
        }
    }
    return hash
}

@Suite("TorchGenerator reproduces torch.randn")
struct TorchGeneratorTests {
    private let goldens: RNGGoldens

    init() throws {
        goldens = try SamplingFixtures.load(RNGGoldens.self, "rng.json")
    }

    /// Every stored value must be the identical float32 (bit equality), and
    /// the hash of all bit patterns must match, for both torch kernels.
    @Test("every golden case is bit-identical", arguments: TorchGenerator.NormalKernel.allCases)
    func goldenCases(kernel: TorchGenerator.NormalKernel) throws {
        let cases = kernel == .avx2 ? goldens.avx2 : goldens.scalar
        #expect(cases.count > 40)
        for golden in cases {
            let seed = try #require(UInt64(golden.seed))
            var generator = TorchGenerator(seed: seed, kernel: kernel)
            for (index, call) in golden.calls.enumerated() {
                let label = "seed \(seed) call \(index) count \(call.count)"
                let values = generator.randn(call.count)
                #expect(values.count == call.count)
                if let expected = call.values {
                    #expect(values == expected.map { Float($0) }, "\(label)")
                }
                if let prefix = call.prefix, let suffix = call.suffix {
                    #expect(Array(values.prefix(prefix.count)) == prefix.map { Float($0) }, "\(label)")
                    #expect(Array(values.suffix(suffix.count)) == suffix.map { Float($0) }, "\(label)")
                }
                #expect(String(fnv1a(values)) == call.fnv1a, "\(label)")
            }
        }
    }

    @Test("the default kernel is torch's x86-64 AVX2 kernel")
    func defaultKernel() {
        #expect(TorchGenerator(seed: 1).kernel == .avx2)
        #expect(TorchGenerator(seed: 1).identifier == "torch-cpu-mt19937-avx2-v1")
    }

    @Test("only the low 32 bits of the seed matter, as in torch")
    func seedTruncation() {
        var a = TorchGenerator(seed: 5)
        var b = TorchGenerator(seed: (1 << 32) + 5)
        #expect(a.randn(40) == b.randn(40))
    }

    @Test("the reference MT19937 output for seed 5489")
    func mersenneTwisterReference() {
        // The 10000th output of std::mt19937 default-seeded is 4123659995.
        var engine = MersenneTwister(seed: 5489)
        var last: UInt32 = 0
        for _ in 0..<10_000 { last = engine.next() }
        #expect(last == 4_123_659_995)
    }

    @Test("samples look standard normal")
    func moments() {
        var generator = TorchGenerator(seed: 123)
        let values = generator.randn(65_536)
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.02)
    }
}
