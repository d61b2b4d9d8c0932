#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A random number generator that reproduces PyTorch's CPU generator,
/// `torch.Generator("cpu").manual_seed(seed)`, and its `torch.randn` stream.
///
/// The engine is MT19937 seeded as torch seeds it (only the low 32 bits of the
/// seed matter, as in torch). `randn(count)` follows torch's CPU `normal_`
/// kernel for a contiguous float32 tensor of `count` elements:
/// - `count >= 16`: every element first receives a 24-bit uniform float; each
///   block of 16 then becomes 16 normals by Box–Muller (elements `j` and
///   `j + 8` share a pair); when `count` is not a multiple of 16 the last 16
///   elements are redrawn and transformed again, as torch does.
/// - `count < 16`: each element is a double-precision Box–Muller sample from
///   two 53-bit uniforms; the second value of each pair is cached in the
///   generator and used by the next scalar draw, exactly like torch's
///   `next_double_normal_sample`.
///
/// Successive calls continue the stream as successive `torch.randn` calls on
/// the same generator do. The float kernel has two variants (see
/// ``NormalKernel``); the default matches torch on x86-64.
public struct TorchGenerator: Sendable {
    /// Which of torch's float32 Box–Muller kernels to reproduce for
    /// tensors of 16 or more elements.
    public enum NormalKernel: String, Sendable, CaseIterable {
        /// torch's AVX2 kernel (Cephes-style `log256_ps`/`sincos256_ps`), the
        /// one x86-64 builds of torch run by default. Bit-exact.
        case avx2
        /// torch's portable scalar kernel (`std::log`/`std::cos`/`std::sin`
        /// in float), used on ARM (Apple silicon) and with
        /// `ATEN_CPU_CAPABILITY=default`. Bit-exact where the C library's
        /// float `log`/`sin`/`cos` match the one torch was linked with.
        case scalar
    }

    /// A short name of the noise source, for recording with a generation.
    public static let rngName = "torch-cpu-mt19937"
    /// Version of this reproduction; bump whenever its output could change.
    public static let rngVersion = 1

    /// Names the noise source, kernel and reproduction version, e.g.
    /// `torch-cpu-mt19937-avx2-v1`, for recording with every result.
    public var identifier: String { "\(Self.rngName)-\(kernel.rawValue)-v\(Self.rngVersion)" }

    /// The seed given at creation.
    public let seed: UInt64
    /// The float kernel reproduced for tensors of 16 or more elements.
    public let kernel: NormalKernel
    private var engine: MersenneTwister
    private var cachedNormal: Double?

    /// Creates a generator in the state of
    /// `torch.Generator("cpu").manual_seed(seed)`, reproducing torch's AVX2
    /// float kernel (x86-64 torch's default).
    public init(seed: UInt64) {
        self.init(seed: seed, kernel: .avx2)
    }

    /// Creates a generator in the state of
    /// `torch.Generator("cpu").manual_seed(seed)`, reproducing `kernel`.
    public init(seed: UInt64, kernel: NormalKernel) {
        self.seed = seed
        self.kernel = kernel
        self.engine = MersenneTwister(seed: seed)
        self.cachedNormal = nil
    }

    /// Returns `torch.randn(shape, generator: g).flatten()` for any shape
    /// whose element count is `count`, advancing the generator as torch does.
    public mutating func randn(_ count: Int) -> [Float] {
        precondition(count >= 0, "randn needs a non-negative element count")
        if count >= 16 {
            return blockNormals(count)
        }
        return (0..<count).map { _ in Float(nextDoubleNormal()) }
    }

    // MARK: torch's uniform draws

    /// A float in [0, 1) from the low 24 bits of one 32-bit draw.
    private mutating func nextUniformFloat() -> Float {
        Float(engine.next() & 0x00FF_FFFF) * Float(1.0 / 16_777_216.0)
    }

    /// A double in [0, 1) from the low 53 bits of a 64-bit draw built as
    /// (first << 32) | second.
    private mutating func nextUniformDouble() -> Double {
        let high = UInt64(engine.next())
        let low = UInt64(engine.next())
        let bits = (high << 32) | low
        return Double(bits & ((1 << 53) - 1)) * (1.0 / 9_007_199_254_740_992.0)
    }

    // MARK: normal sampling

    /// torch's `normal_distribution<double>` with its one-value cache.
    private mutating func nextDoubleNormal() -> Double {
        if let cached = cachedNormal {
            cachedNormal = nil
            return cached
        }
        let u1 = nextUniformDouble()
        let u2 = nextUniformDouble()
        let radius = (-2.0 * log1p(-u2)).squareRoot()
        let theta = 2.0 * Double.pi * u1
        cachedNormal = radius * sin(theta)
        return radius * cos(theta)
    }

    /// torch's `normal_fill` for `count >= 16` float32 elements.
    private mutating func blockNormals(_ count: Int) -> [Float] {
        var data = [Float](repeating: 0, count: count)
        for i in 0..<count { data[i] = nextUniformFloat() }
        var start = 0
        while start + 16 <= count {
            transformBlock(&data, at: start)
            start += 16
        }
        if count % 16 != 0 {
            let tail = count - 16
            for i in tail..<count { data[i] = nextUniformFloat() }
            transformBlock(&data, at: tail)
        }
        return data
    }

    /// Box–Muller over 16 uniforms at `start`: pairs (j, j + 8).
    private func transformBlock(_ data: inout [Float], at start: Int) {
        for j in start..<(start + 8) {
            let u1 = 1 - data[j]
            let u2 = data[j + 8]
            switch kernel {
            case .avx2:
                let radius = (Float(-2) * CephesFloatMath.log(u1)).squareRoot()
                let theta = Self.twoPiFloat * u2
                let (s, c) = CephesFloatMath.sincos(theta)
                data[j] = radius * c + 0
                data[j + 8] = radius * s + 0
            case .scalar:
                let radius = (Float(-2) * logf(u1)).squareRoot()
                let theta = Float(2.0 * Double.pi * Double(u2))
                data[j] = radius * cosf(theta) * 1 + 0
                data[j + 8] = radius * sinf(theta) * 1 + 0
            }
        }
    }

    /// `2.0f * pi<double>` rounded to float, as the AVX2 kernel broadcasts it.
    private static let twoPiFloat = Float(2.0 * Double.pi)
}
