/// A 2-D convolution over NCHW tensors, as `torch.nn.Conv2d` (groups = 1, dilation = 1).
///
/// 1x1 stride-1 convolutions are a single gemm per image; 3x3 stride-1 pad-1 ones with 32+ channels go through
/// Winograd's transforms, other stride-1 ones with few channels on large images tap by tap; the rest through
/// im2col in bands of output rows (bounding the scratch buffer) and one gemm per band.
public struct Conv2d: Sendable {
    /// `[outChannels, inChannels, kernelHeight, kernelWidth]`, as stored (fp32 in memory, or fp32/fp16/bf16
    /// left in a mapped file).
    public let storedWeight: WeightTensor
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
        self.init(weight: WeightTensor(weight), bias: bias, stride: stride, padding: padding)
    }

    /// A convolution whose weight may stay in a mapped file.
    public init(weight: WeightTensor, bias: Tensor?, stride: Int, padding: (top: Int, left: Int, bottom: Int, right: Int)) {
        precondition(weight.shape.count == 4, "Conv2d: weight must be 4-D")
        precondition(bias == nil || bias!.shape == [weight.shape[0]], "Conv2d: bias shape")
        precondition(stride >= 1, "Conv2d: stride")
        storedWeight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    /// The weight as a fp32 tensor (a widened copy when it is stored at 16 bits; for inspection).
    public var weight: Tensor { storedWeight.materialized() }

    /// Output channels.
    public var outChannels: Int { storedWeight.shape[0] }
    /// Input channels.
    public var inChannels: Int { storedWeight.shape[1] }

    /// The output spatial size for an input of `height x width`.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let (kh, kw) = (storedWeight.shape[2], storedWeight.shape[3])
        return ((height + padding.top + padding.bottom - kh) / stride + 1,
                (width + padding.left + padding.right - kw) / stride + 1)
    }

    /// Convolves `input` (`[N, inChannels, H, W]`), then applies `activation` (if any) to each band of
    /// output rows while it is still in cache (the same values as applying it to the whole result).
    /// 3x3 stride-1 pad-1 convolutions with enough channels take Winograd's F(2x2, 3x3)
    /// (``convolveWinograd(_:activation:bandFloats:)``); other large stride-1 images with few channels the tap-by-tap
    /// path (``convolveShifted(_:activation:bandFloats:)``).
    public func callAsFunction(_ input: Tensor, activation: Activation? = nil) -> Tensor {
        if input.rank == 4 {
            let (outHeight, outWidth) = outputSize(height: input.shape[2], width: input.shape[3])
            if prefersWinograd(outPlane: outHeight * outWidth) {
                return prefersFusedWinograd ? convolveWinogradFused(input, activation: activation)
                    : convolveWinograd(input, activation: activation)
            }
            if prefersShiftedPath(outPlane: outHeight * outWidth) { return convolveShifted(input, activation: activation) }
        }
        return convolve(input, scratchLimit: Conv2d.scratchLimit, activation: activation)
    }

    /// Convolves `input`, banding output rows so im2col uses at most `scratchLimit` floats (a pooled buffer).
    func convolve(_ input: Tensor, scratchLimit: Int, activation: Activation? = nil) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inChannels, "Conv2d: input \(input.shape), in \(inChannels)")
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let (kh, kw) = (storedWeight.shape[2], storedWeight.shape[3])
        let (outHeight, outWidth) = outputSize(height: height, width: width)
        precondition(outHeight > 0 && outWidth > 0, "Conv2d: input \(input.shape) too small for kernel")
        let (cout, cin) = (outChannels, inChannels)
        let outPlane = outHeight * outWidth
        let k = cin * kh * kw
        var output = Tensor(shape: [batch, cout, outHeight, outWidth])
        let pointwise = kh == 1 && kw == 1 && stride == 1
            && padding.top == 0 && padding.left == 0 && padding.bottom == 0 && padding.right == 0
        let bandRows = max(1, min(outHeight, scratchLimit / max(1, k * outWidth)))

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
                storedWeight.withFloats { w in
                    for n in 0..<batch {
                        let image = x.baseAddress! + n * cin * height * width
                        let result = out.baseAddress! + n * cout * outPlane
                        if pointwise {
                            BLASBackend.gemm(
                                transposeA: false, transposeB: false, m: cout, n: outPlane, k: cin,
                                a: w, lda: cin, b: image, ldb: outPlane, beta: beta, c: result, ldc: outPlane)
                            Self.activate(activation, result, channels: cout, plane: outPlane, offset: 0, count: outPlane)
                            continue
                        }
                        ScratchPool.shared.withBuffer(count: k * bandRows * outWidth) { columns in
                            var firstRow = 0
                            while firstRow < outHeight {
                                let rows = min(bandRows, outHeight - firstRow)
                                gatherColumns(image, height: height, width: width, outputRows: firstRow..<(firstRow + rows),
                                              outWidth: outWidth, into: columns)
                                BLASBackend.gemm(
                                    transposeA: false, transposeB: false, m: cout, n: rows * outWidth, k: k,
                                    a: w, lda: k, b: columns, ldb: rows * outWidth,
                                    beta: beta, c: result + firstRow * outWidth, ldc: outPlane)
                                Self.activate(activation, result, channels: cout, plane: outPlane,
                                              offset: firstRow * outWidth, count: rows * outWidth)
                                firstRow += rows
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Applies `activation` to `count` values from `offset` in each of `channels` planes of `result`.
    private static func activate(_ activation: Activation?, _ result: UnsafeMutablePointer<Float>, channels: Int,
                                 plane: Int, offset: Int, count: Int) {
        guard let activation else { return }
        let shared = SharedPointer(base: result + offset)
        ParallelLoop.forEachChunk(channels, costPerIteration: count * 8) { range in
            for channel in range { activation.apply(shared.base + channel * plane, count: count) }
        }
    }

    /// im2col for one image and a band of output rows: row `(channel, ky, kx)` of `columns` holds the input
    /// values that kernel tap meets at each output position of the band (zero where it falls in the padding).
    private func gatherColumns(_ image: UnsafePointer<Float>, height: Int, width: Int, outputRows: Range<Int>,
                               outWidth: Int, into columns: UnsafeMutablePointer<Float>) {
        let (kh, kw) = (storedWeight.shape[2], storedWeight.shape[3])
        let k = inChannels * kh * kw
        let bandWidth = outputRows.count * outWidth
        let (stride, padTop, padLeft) = (self.stride, padding.top, padding.left)
        let col = SharedPointer(base: columns)
        let src = SharedPointer(base: UnsafeMutablePointer(mutating: image))
        ParallelLoop.forEachChunk(k, costPerIteration: bandWidth) { range in
            for kIndex in range {
                let kx = kIndex % kw
                let ky = (kIndex / kw) % kh
                let plane = src.base + (kIndex / (kw * kh)) * height * width
                let dst = col.base + kIndex * bandWidth
                for (r, outY) in outputRows.enumerated() {
                    let iy = outY * stride - padTop + ky
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
    }
}
