/// A fully connected layer, `y = x W^T + b`, as `torch.nn.Linear`.
public struct Linear: Sendable {
    /// `[outFeatures, inFeatures]`, as stored (fp32 in memory, or fp32/fp16/bf16 left in a mapped file).
    public let storedWeight: WeightTensor
    /// `[outFeatures]`, or nil for a layer without bias.
    public let bias: Tensor?

    /// A linear layer with the given parameters.
    public init(weight: Tensor, bias: Tensor?) {
        self.init(weight: WeightTensor(weight), bias: bias)
    }

    /// A linear layer whose weight may stay in a mapped file.
    public init(weight: WeightTensor, bias: Tensor?) {
        precondition(weight.shape.count == 2, "Linear: weight must be 2-D")
        precondition(bias == nil || bias!.shape == [weight.shape[0]], "Linear: bias shape")
        storedWeight = weight
        self.bias = bias
    }

    /// The weight as a fp32 tensor (a widened copy when it is stored at 16 bits; for inspection).
    public var weight: Tensor { storedWeight.materialized() }

    /// Input features.
    public var inFeatures: Int { storedWeight.shape[1] }
    /// Output features.
    public var outFeatures: Int { storedWeight.shape[0] }

    /// Applies the layer to the last dimension of `input` (`[..., inFeatures]`).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == inFeatures, "Linear: input \(input.shape), in \(inFeatures)")
        let rows = input.count / inFeatures
        var outShape = input.shape
        outShape[outShape.count - 1] = outFeatures
        var output = Tensor(shape: outShape)
        let (n, k) = (outFeatures, inFeatures)
        output.scalars.withUnsafeMutableBufferPointer { out in
            if let bias {
                bias.scalars.withUnsafeBufferPointer { b in
                    for row in 0..<rows {
                        (out.baseAddress! + row * n).update(from: b.baseAddress!, count: n)
                    }
                }
            }
            input.scalars.withUnsafeBufferPointer { x in
                storedWeight.withFloats { w in
                    BLASBackend.gemm(
                        transposeA: false, transposeB: true, m: rows, n: n, k: k,
                        a: x.baseAddress!, lda: k, b: w, ldb: k,
                        beta: bias == nil ? 0 : 1, c: out.baseAddress!, ldc: n)
                }
            }
        }
        return output
    }
}
