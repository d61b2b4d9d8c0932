/// Stride-1 convolution without im2col: each kernel tap `(ky, kx)` is one gemm of the tap's
/// `[cout, cin]` weights against the zero-padded input shifted by the tap, accumulated into a band of
/// output rows kept in the padded width (whose extra columns are dropped when the band is copied out).
///
/// im2col writes and reads `kh * kw` copies of the input; at 64-128 channels and 512x512 that traffic is
/// as large as the arithmetic. Here the input is copied once (padded) and each band's operands stay in cache.
extension Conv2d {
    /// Whether `convolve` takes this path: stride 1, a kernel larger than 1x1, few input channels (where
    /// im2col's gemm is short in k) and a large image.
    func prefersShiftedPath(outPlane: Int) -> Bool {
        stride == 1 && storedWeight.shape[2] * storedWeight.shape[3] > 1 && inChannels <= Self.shiftedChannelLimit
            && outPlane >= Self.shiftedMinimumPlane
    }

    /// The most input channels taking the shifted path.
    static let shiftedChannelLimit = 64
    /// The smallest output plane taking the shifted path.
    static let shiftedMinimumPlane = 64 * 64
    /// Output floats per band (cout x rows x padded width), about 4 MiB.
    static let shiftedBandFloats = 1 << 20

    /// Convolves `input` tap by tap; `bandFloats` bounds the output band (tests use small values).
    func convolveShifted(_ input: Tensor, activation: Activation?, bandFloats: Int = shiftedBandFloats) -> Tensor {
        precondition(stride == 1 && input.rank == 4 && input.shape[1] == inChannels, "Conv2d: shifted path input \(input.shape)")
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let (kh, kw) = (storedWeight.shape[2], storedWeight.shape[3])
        let (cout, cin) = (outChannels, inChannels)
        let paddedWidth = width + padding.left + padding.right
        let paddedPlane = (height + padding.top + padding.bottom) * paddedWidth
        let (outHeight, outWidth) = outputSize(height: height, width: width)
        let bandRows = max(1, min(outHeight, bandFloats / max(1, cout * paddedWidth)))
        var output = Tensor(shape: [batch, cout, outHeight, outWidth])
        let pool = ScratchPool.shared
        // Taps first: tapWeights[(ky * kw + kx) * cout * cin + o * cin + c].
        pool.withBuffer(count: kh * kw * cout * cin) { tapWeights in
            storedWeight.withFloats { w in
                for o in 0..<cout {
                    for c in 0..<cin {
                        for tap in 0..<(kh * kw) { tapWeights[(tap * cout + o) * cin + c] = w[(o * cin + c) * kh * kw + tap] }
                    }
                }
            }
            pool.withBuffer(count: cin * paddedPlane + kw) { padded in
                pool.withBuffer(count: cout * bandRows * paddedWidth) { band in
                    input.scalars.withUnsafeBufferPointer { x in
                        output.scalars.withUnsafeMutableBufferPointer { out in
                            for n in 0..<batch {
                                padInput(x.baseAddress! + n * cin * height * width, height: height, width: width, into: padded)
                                var row0 = 0
                                while row0 < outHeight {
                                    let rows = min(bandRows, outHeight - row0)
                                    for tap in 0..<(kh * kw) {
                                        BLASBackend.gemm(
                                            transposeA: false, transposeB: false, m: cout, n: rows * paddedWidth, k: cin,
                                            a: tapWeights + tap * cout * cin, lda: cin,
                                            b: padded + (row0 + tap / kw) * paddedWidth + tap % kw, ldb: paddedPlane,
                                            beta: tap == 0 ? 0 : 1, c: band, ldc: rows * paddedWidth)
                                    }
                                    copyBand(band, rows: rows, paddedWidth: paddedWidth, outWidth: outWidth,
                                             into: out.baseAddress! + (n * cout * outHeight + row0) * outWidth,
                                             plane: outHeight * outWidth, activation: activation)
                                    row0 += rows
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Copies one image into `padded` (`cin` planes of the padded size, zero borders, then `kw` spare zeros
    /// that the last tap's gemm may read past the last plane).
    private func padInput(_ image: UnsafePointer<Float>, height: Int, width: Int, into padded: UnsafeMutablePointer<Float>) {
        let paddedWidth = width + padding.left + padding.right
        let paddedHeight = height + padding.top + padding.bottom
        let (top, left, kw) = (padding.top, padding.left, storedWeight.shape[3])
        let source = SharedPointer(base: UnsafeMutablePointer(mutating: image))
        let destination = SharedPointer(base: padded)
        ParallelLoop.forEachChunk(inChannels, costPerIteration: paddedHeight * paddedWidth) { range in
            for c in range {
                let plane = destination.base + c * paddedHeight * paddedWidth
                plane.update(repeating: 0, count: paddedHeight * paddedWidth)
                for y in 0..<height {
                    (plane + (y + top) * paddedWidth + left).update(from: source.base + (c * height + y) * width, count: width)
                }
            }
        }
        (padded + inChannels * paddedHeight * paddedWidth).update(repeating: 0, count: kw)
    }

    /// Writes a band (`cout` x `rows` x padded width) to the output rows it covers, adding the bias and
    /// applying `activation`; `destination` is the band's first row in channel 0, `plane` the output plane size.
    private func copyBand(_ band: UnsafeMutablePointer<Float>, rows: Int, paddedWidth: Int, outWidth: Int,
                          into destination: UnsafeMutablePointer<Float>, plane: Int, activation: Activation?) {
        let source = SharedPointer(base: band)
        let target = SharedPointer(base: destination)
        let bias = self.bias?.scalars
        ParallelLoop.forEachChunk(outChannels, costPerIteration: rows * outWidth * 2) { range in
            for o in range {
                let shift = bias?[o] ?? 0
                let channel = target.base + o * plane
                for r in 0..<rows {
                    let from = source.base + (o * rows + r) * paddedWidth
                    let to = channel + r * outWidth
                    for x in 0..<outWidth { to[x] = shift + from[x] }
                }
                activation?.apply(channel, count: rows * outWidth)
            }
        }
    }
}
