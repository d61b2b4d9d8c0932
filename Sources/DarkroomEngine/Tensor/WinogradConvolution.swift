import CEngineKernels

/// 3x3 stride-1 convolution with one pixel of padding by Winograd's minimal filtering, F(2x2, 3x3):
/// each 4x4 input tile and 3x3 kernel are transformed so the convolution becomes 16 gemms (one per transformed
/// element) of `[cout, cin]` against `[cin, tiles]`, then each output tile is transformed back. That is 16
/// multiplies per 2x2 outputs instead of 36: 2.25x less gemm work than im2col, for a few additions per pixel in
/// the transforms (`CEngineKernels/winograd.c`).
///
/// Tiles of every image in the batch are processed together in bands of tile rows, so small planes still
/// give the gemms a long `n`, and the transformed input and output of a band stay within ``winogradBandFloats``.
/// The kernels' transform is recomputed per call (a fraction of a percent of the gemm work at the sizes that
/// take this path), so fp16 weights stay 16-bit in memory.
extension Conv2d {
    /// Whether `callAsFunction` takes a Winograd path: a 3x3 kernel, stride 1, one pixel of padding on each side,
    /// and enough channels and pixels that the gemms dominate the transforms. Few output channels (a decoder's
    /// last layer, 64 to 3) take the fused form, whose transforms cost no memory traffic.
    func prefersWinograd(outPlane: Int) -> Bool {
        storedWeight.shape[2] == 3 && storedWeight.shape[3] == 3 && stride == 1
            && padding.top == 1 && padding.left == 1 && padding.bottom == 1 && padding.right == 1
            && inChannels >= Self.winogradMinimumChannels
            && (outChannels >= Self.winogradMinimumChannels || prefersFusedWinograd)
            && outPlane >= Self.winogradMinimumPlane
    }

    /// The fewest input channels taking a Winograd path, and output channels taking the banded one.
    static let winogradMinimumChannels = 32
    /// The smallest output plane taking the Winograd path: below it the kernels' transform, made per call, and the
    /// edge tiles cost more than the multiplies saved (the shipped model's 8x8 latents ran 40% slower through it).
    static let winogradMinimumPlane = 16 * 16
    /// Transformed input plus output floats per band (16 x (cin + cout) x band tiles), 32 MiB.
    static let winogradBandFloats = 1 << 23

    /// Counts, for the engine's rate figures, the direct-form multiplies Winograd did not make on a batch of
    /// `height x width` planes: 9 per output pixel against 16 per 2x2 tile, per input and output channel.
    func recordAvoidedWork(batch: Int, height: Int, width: Int) {
        let tiles = (height + 1) / 2 * ((width + 1) / 2)
        BLASBackend.recordAvoidedOperations(2 * outChannels * inChannels * batch * (9 * height * width - 16 * tiles))
    }

    /// Convolves `input` through the Winograd transforms; `bandFloats` bounds a band (tests use small values).
    func convolveWinograd(_ input: Tensor, activation: Activation?, bandFloats: Int = winogradBandFloats) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inChannels, "Conv2d: Winograd input \(input.shape)")
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let (cout, cin) = (outChannels, inChannels)
        let (tilesY, tilesX) = ((height + 1) / 2, (width + 1) / 2)
        let tileRows = batch * tilesY
        let rowsPerBand = max(1, min(tileRows, bandFloats / (16 * (cin + cout) * tilesX)))
        let bias = self.bias?.scalars ?? [Float](repeating: 0, count: cout)
        var output = Tensor(shape: [batch, cout, height, width])
        recordAvoidedWork(batch: batch, height: height, width: width)
        let pool = ScratchPool.shared
        pool.withBuffer(count: 16 * cout * cin) { transformedWeights in
            let u = SharedPointer(base: transformedWeights)
            storedWeight.withFloats { weights in
                let w = SharedPointer(base: UnsafeMutablePointer(mutating: weights))
                ParallelLoop.forEachChunk(cout, costPerIteration: cin * 64) { range in
                    drk_winograd_weights(w.base, cout, cin, range.lowerBound, range.count, u.base)
                }
            }
            pool.withBuffer(count: 16 * cin * rowsPerBand * tilesX) { transformedInput in
                pool.withBuffer(count: 16 * cout * rowsPerBand * tilesX) { transformedOutput in
                    input.scalars.withUnsafeBufferPointer { x in
                        output.scalars.withUnsafeMutableBufferPointer { out in
                            let source = SharedPointer(base: UnsafeMutablePointer(mutating: x.baseAddress!))
                            let destination = SharedPointer(base: out.baseAddress!)
                            let (v, m) = (SharedPointer(base: transformedInput), SharedPointer(base: transformedOutput))
                            var row0 = 0
                            while row0 < tileRows {
                                let rows = min(rowsPerBand, tileRows - row0)
                                let tiles = rows * tilesX
                                let segments = WinogradSegment.covering(row0..<(row0 + rows), tilesY: tilesY, tilesX: tilesX)
                                ParallelLoop.forEachChunk(cin, costPerIteration: tiles * 64) { range in
                                    for c in range {
                                        for segment in segments {
                                            drk_winograd_input(source.base + (segment.image * cin + c) * height * width, height, width,
                                                               segment.firstRow, segment.rows, tilesX,
                                                               v.base + c * tiles + segment.offset, cin * tiles)
                                        }
                                    }
                                }
                                for element in 0..<16 {
                                    BLASBackend.gemm(
                                        transposeA: false, transposeB: false, m: cout, n: tiles, k: cin,
                                        a: transformedWeights + element * cout * cin, lda: cin,
                                        b: v.base + element * cin * tiles, ldb: tiles,
                                        c: m.base + element * cout * tiles, ldc: tiles)
                                }
                                ParallelLoop.forEachChunk(cout, costPerIteration: tiles * 48) { range in
                                    for o in range {
                                        for segment in segments {
                                            let plane = destination.base + (segment.image * cout + o) * height * width
                                            drk_winograd_output(m.base + o * tiles + segment.offset, cout * tiles,
                                                                segment.firstRow, segment.rows, tilesX, bias[o], plane, height, width)
                                            let firstLine = 2 * segment.firstRow
                                            let lines = min(height, 2 * (segment.firstRow + segment.rows)) - firstLine
                                            activation?.apply(plane + firstLine * width, count: lines * width)
                                        }
                                    }
                                }
                                row0 += rows
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}

/// The part of a band of tile rows (numbered across the batch) that lies in one image.
struct WinogradSegment: Sendable {
    /// The image.
    let image: Int
    /// Its first tile row within the image, and how many.
    let firstRow: Int, rows: Int
    /// Where its tiles start among the band's.
    let offset: Int

    /// The segments of the band `rows` of the batch's tile rows (`tilesY` per image).
    static func covering(_ rows: Range<Int>, tilesY: Int, tilesX: Int) -> [WinogradSegment] {
        var segments: [WinogradSegment] = []
        var row = rows.lowerBound
        while row < rows.upperBound {
            let (image, firstRow) = row.quotientAndRemainder(dividingBy: tilesY)
            let count = min(tilesY - firstRow, rows.upperBound - row)
            segments.append(WinogradSegment(image: image, firstRow: firstRow, rows: count,
                                            offset: (row - rows.lowerBound) * tilesX))
            row += count
        }
        return segments
    }
}
