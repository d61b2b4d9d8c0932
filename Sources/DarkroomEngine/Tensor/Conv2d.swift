/// A 2-D convolution over NCHW tensors, as `torch.nn.Conv2d` (groups = 1, dilation = 1).
///
/// 1x1 stride-1 convolutions are a single gemm per image; other kernels go through
/// im2col in bands of output rows (bounding the scratch buffer) and one gemm per band.
public struct Conv2d: Sendable {
    /// `[outChannels, inChannels, kernelHeight, kernelWidth]`.
    public let weight: Tensor
    /// `[outChannels]`, or nil.
    public let bias: Tensor?
    /// The step between applications of the kernel, both directions.
    public let stride: Int
    /// Zero padding added above, left of, below and right of the input.
    public let padding: (top: Int, left: Int, bottom: Int, right: Int)

    /// The largest im2col scratch buffer, in floats, before output rows are banded.
    static let scratchLimit = 1 << 24

    /// A convolution with symmetric `padding`.
    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) {
        self.init(weight: weight, bias: bias, stride: stride,
                  padding: (padding, padding, padding, padding))
    }

    /// A convolution with explicit per-side padding.
    public init(weight: Tensor, bias: Tensor?, stride: Int, padding: (top: Int, left: Int, bottom: Int, right: Int)) {
        precondition(weight.rank == 4, "Conv2d: weight must be 4-D")
        precondition(bias == nil || bias!.shape == [weight.shape[0]], "Conv2d: bias shape")
        precondition(stride >= 1, "Conv2d: stride")
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    /// Output channels.
    public var outChannels: Int { weight.shape[0] }
    /// Input channels.
    public var inChannels: Int { weight.shape[1] }

    /// The output spatial size for an input of `height x width`.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        return ((height + padding.top + padding.bottom - kh) / stride + 1,
                (width + padding.left + padding.right - kw) / stride + 1)
    }

    /// Convolves `input` (`[N, inChannels, H, W]`).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        convolve(input, scratchLimit: Conv2d.scratchLimit)
    }

    /// Convolves `input`, banding output rows so im2col uses at most `scratchLimit` floats.
    func convolve(_ input: Tensor, scratchLimit: Int) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inChannels, "Conv2d: input \(input.shape), in \(inChannels)")
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let (outHeight, outWidth) = outputSize(height: height, width: width)
        precondition(outHeight > 0 && outWidth > 0, "Conv2d: input \(input.shape) too small for kernel")
        let cout = outChannels
        let cin = inChannels
        let outPlane = outHeight * outWidth
        let inPlane = height * width
        let k = cin * kh * kw
        var output = Tensor(shape: [batch, cout, outHeight, outWidth])
        let pointwise = kh == 1 && kw == 1 && stride == 1
            && padding.top == 0 && padding.left == 0 && padding.bottom == 0 && padding.right == 0
        let bandRows = max(1, min(outHeight, scratchLimit / max(1, k * outWidth)))
        var scratch = pointwise ? [] : [Float](repeating: 0, count: k * bandRows * outWidth)
        let stride = self.stride
        let (padTop, padLeft) = (padding.top, padding.left)

        output.scalars.withUnsafeMutableBufferPointer { out in
            if let bias {
                bias.scalars.withUnsafeBufferPointer { b in
                    for n in 0..<batch {
                        for c in 0..<cout {
                            (out.baseAddress! + (n * cout + c) * outPlane).update(repeating: b[c], count: outPlane)
                        }
                    }
                }
            }
            let beta: Float = bias == nil ? 0 : 1
            input.scalars.withUnsafeBufferPointer { x in
                weight.scalars.withUnsafeBufferPointer { w in
                    for n in 0..<batch {
                        let image = x.baseAddress! + n * cin * inPlane
                        let result = out.baseAddress! + n * cout * outPlane
                        if pointwise {
                            BLASBackend.gemm(
                                transposeA: false, transposeB: false, m: cout, n: inPlane, k: cin,
                                a: w.baseAddress!, lda: cin, b: image, ldb: inPlane,
                                beta: beta, c: result, ldc: outPlane)
                            continue
                        }
                        scratch.withUnsafeMutableBufferPointer { columns in
                            let col = SharedPointer(base: columns.baseAddress!)
                            let src = SharedPointer(base: UnsafeMutablePointer(mutating: image))
                            var firstRow = 0
                            while firstRow < outHeight {
                                let rows = min(bandRows, outHeight - firstRow)
                                let bandWidth = rows * outWidth
                                let bandStart = firstRow
                                ParallelLoop.forEachChunk(k, costPerIteration: bandWidth) { range in
                                    for kIndex in range {
                                        let kx = kIndex % kw
                                        let ky = (kIndex / kw) % kh
                                        let channel = kIndex / (kw * kh)
                                        let plane = src.base + channel * inPlane
                                        let dst = col.base + kIndex * bandWidth
                                        for r in 0..<rows {
                                            let iy = (bandStart + r) * stride - padTop + ky
                                            let line = dst + r * outWidth
                                            if iy < 0 || iy >= height {
                                                line.update(repeating: 0, count: outWidth)
                                                continue
                                            }
                                            let srcLine = plane + iy * width
                                            // Output columns whose input column ox*stride - padLeft + kx is inside the row.
                                            let offset = kx - padLeft
                                            let first = min(outWidth, max(0, (-offset + stride - 1) / stride))
                                            let end = max(first, min(outWidth, (width - offset + stride - 1) / stride))
                                            if first > 0 { line.update(repeating: 0, count: first) }
                                            if stride == 1 {
                                                (line + first).update(from: srcLine + first + offset, count: end - first)
                                            } else {
                                                for ox in first..<end { line[ox] = srcLine[ox * stride + offset] }
                                            }
                                            if end < outWidth { (line + end).update(repeating: 0, count: outWidth - end) }
                                        }
                                    }
                                }
                                BLASBackend.gemm(
                                    transposeA: false, transposeB: false, m: cout, n: bandWidth, k: k,
                                    a: w.baseAddress!, lda: k, b: columns.baseAddress!, ldb: bandWidth,
                                    beta: beta, c: result + firstRow * outWidth, ldc: outPlane)
                                firstRow += rows
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
