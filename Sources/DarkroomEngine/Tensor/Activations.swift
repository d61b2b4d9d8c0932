import Foundation

/// The pointwise nonlinearities used by the supported models.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// `x * sigmoid(x)` (also called swish).
    case silu
    /// Exact GELU, `0.5 x (1 + erf(x / sqrt 2))`.
    case gelu
    /// GELU with the tanh approximation (transformers' `gelu_new`/`gelu_pytorch_tanh`).
    case geluTanh = "gelu_tanh"
    /// CLIP's `x * sigmoid(1.702 x)`.
    case quickGELU = "quick_gelu"
    /// `max(0, x)`.
    case relu

    /// Maps a config string (`act_fn`, `hidden_act`) to an activation, or nil if unsupported.
    public init?(configName: String) {
        switch configName {
        case "silu", "swish": self = .silu
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh": self = .geluTanh
        case "quick_gelu": self = .quickGELU
        case "relu": self = .relu
        default: return nil
        }
    }

    /// The activation of one value.
    @inline(__always)
    func apply(_ x: Float) -> Float {
        switch self {
        case .silu: return x / (1 + expf(-x))
        case .gelu: return 0.5 * x * (1 + erff(x * 0.70710678118654752))
        case .geluTanh:
            return 0.5 * x * (1 + tanhf(0.7978845608028654 * (x + 0.044715 * x * x * x)))
        case .quickGELU: return x / (1 + expf(-1.702 * x))
        case .relu: return max(0, x)
        }
    }

    /// Applies the activation to every element of `tensor` in place.
    public func apply(to tensor: inout Tensor) {
        let count = tensor.count
        let activation = self
        tensor.scalars.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedPointer(base: buffer.baseAddress!)
            ParallelLoop.forEachChunk(count, costPerIteration: 8) { range in
                activation.apply(shared.base + range.lowerBound, count: range.count)
            }
        }
    }

    /// Applies the activation to `count` contiguous values in place (the vector kernels where they exist).
    func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.affine(values, values, count: count, scale: 1, shift: 0, activation: self)
    }

    /// Applies the scalar form to `count` contiguous values in place.
    func applyScalar(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { values[i] = apply(values[i]) }
    }

    /// The activation of every element of `tensor`.
    public func callAsFunction(_ tensor: Tensor) -> Tensor {
        var result = tensor
        apply(to: &result)
        return result
    }
}

extension Tensor {
    /// Elementwise `tanh(x / limit) * limit`, the soft clamp TAESD applies to latents.
    func softClamped(limit: Float) -> Tensor {
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = tanhf(buffer[i] / limit) * limit }
        }
        return result
    }
}
