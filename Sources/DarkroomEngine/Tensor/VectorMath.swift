import CEngineKernels

/// The engine's door to the elementwise C kernels (`CEngineKernels`; the Winograd kernels are called from
/// `WinogradConvolution` and `FusedWinogradConvolution`, the fp16 and int8 widening from `HalfWidening`): softmax
/// pieces, activations, affine maps and normalisation statistics over contiguous buffers, in 8-wide AVX2+FMA code
/// where the CPU has it (chosen once per process) and the platform's baseline vectors elsewhere.
enum VectorMath {
    /// `e^x` for one value, with the buffer kernels' range reduction and polynomial (Cephes `expf`, about 1 ulp);
    /// inputs are clamped to [-87.3, 88.7].
    static func exp(_ input: Float) -> Float {
        drk_exp(input)
    }

    /// `buffer[i] = exp(buffer[i] - shift)` for `count` values; returns their sum.
    static func exponentiate(_ buffer: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        drk_exponentiate(buffer, count, shift)
    }

    /// The largest of `count >= 1` values.
    static func maximum(_ buffer: UnsafePointer<Float>, count: Int) -> Float {
        drk_maximum(buffer, count)
    }

    /// `buffer[i] *= factor` for `count` values.
    static func scale(_ buffer: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        drk_scale(buffer, count, factor)
    }

    /// `destination[i] = activation(source[i] * scale + shift)` (`destination` may be `source`); an activation the
    /// kernels do not have (the tanh GELU) is applied after the affine pass.
    static func affine(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int,
                       scale: Float, shift: Float, activation: Activation?) {
        let kernel = activation.flatMap(\.kernel)
        drk_affine(destination, source, count, scale, shift, kernel ?? DRK_ACTIVATION_NONE)
        if let activation, kernel == nil { activation.applyScalar(destination, count: count) }
    }

    /// `output[i] = input[i] * gelu(input[width + i])` for one row of `2 * width` values.
    static func geglu(_ output: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, width: Int) {
        drk_geglu(output, input, width)
    }

    /// The mean of `count` values and 1 / sqrt(biased variance + epsilon) (two passes; float lanes summed in
    /// blocks whose totals are added in double precision).
    static func moments(_ values: UnsafePointer<Float>, count: Int, epsilon: Double) -> (mean: Float, inverse: Float) {
        var mean: Float = 0, inverse: Float = 0
        drk_moments(values, count, epsilon, &mean, &inverse)
        return (mean, inverse)
    }

    /// Whether the kernels run their AVX2+FMA versions now.
    static var usesWideVectors: Bool { drk_uses_wide_vectors() != 0 }

    /// Whether this CPU has the AVX2+FMA versions' instructions (they are used unless a test forces the baseline).
    static var cpuHasWideVectors: Bool { drk_cpu_has_wide_vectors() != 0 }

    /// Runs `body` with the kernels' baseline versions forced (tests compare the two).
    static func withBaselineKernels<T>(_ body: () throws -> T) rethrows -> T {
        drk_force_baseline(1)
        defer { drk_force_baseline(0) }
        return try body()
    }
}

extension Activation {
    /// The C kernels' code for this activation, or nil where only the Swift scalar form exists.
    var kernel: drk_activation? {
        switch self {
        case .silu: DRK_ACTIVATION_SILU
        case .quickGELU: DRK_ACTIVATION_QUICK_GELU
        case .gelu: DRK_ACTIVATION_GELU
        case .relu: DRK_ACTIVATION_RELU
        case .geluTanh: nil
        }
    }
}
