import CEngineKernels

/// Winograd F(2x2, 3x3) with the three stages fused per chunk of tiles (`CEngineKernels/winograd_fused.c`): each
/// call transforms up to 32 tiles of one tile row, runs the 16 small gemms with the engine's own 6x16 kernel and
/// transforms the results back, all within the core's cache. For layers with few channels on large planes (a
/// decoder's 64- and 128-channel 512x512 layers) the banded path's stages are bound by memory traffic, since each
/// writes and reads back four times the activation; the fused path touches the activation once each way.
///
/// Layers with many channels keep the banded path: their packed weights outgrow the cache that every chunk
/// re-reads, and OpenBLAS's blocking serves their large gemms better.
extension Conv2d {
    /// The most input or output channels that take the fused path. Its packed weights, 16 x cout x cin floats,
    /// are 4 MiB at 256 x 256: within the L3 that every chunk re-reads them from. (An AutoencoderKL decoder ran
    /// fastest with its 128- and 256-channel layers fused and its 512-channel ones banded.)
    static let fusedWinogradMaximumChannels = 256

    /// Whether a convolution that takes Winograd's path takes the fused form.
    var prefersFusedWinograd: Bool {
        inChannels <= Self.fusedWinogradMaximumChannels && outChannels <= Self.fusedWinogradMaximumChannels
    }

    /// Convolves `input` through the fused Winograd stages; `activation` is applied as each chunk is written.
    func convolveWinogradFused(_ input: Tensor, activation: Activation?) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inChannels, "Conv2d: Winograd input \(input.shape)")
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let (cout, cin, plane) = (outChannels, inChannels, height * width)
        let (tilesY, tilesX) = ((height + 1) / 2, (width + 1) / 2)
        let chunk = Int(DRK_WINOGRAD_CHUNK)
        let chunksPerRow = (tilesX + chunk - 1) / chunk
        recordAvoidedWork(batch: batch, height: height, width: width)
        BLASBackend.recordKernelOperations(2 * cout * cin * batch * 16 * tilesY * tilesX)
        let fusedActivation = activation?.kernel ?? DRK_ACTIVATION_NONE
        let biasScalars = bias?.scalars ?? []
        var output = Tensor(uninitializedShape: [batch, cout, height, width])
        let pool = ScratchPool.shared
        pool.withBuffer(count: drk_winograd_packed_floats(cout, cin)) { packed in
            let packedWeights = SharedPointer(base: packed)
            storedWeight.withFloats { weights in
                let w = SharedPointer(base: UnsafeMutablePointer(mutating: weights))
                ParallelLoop.forEachChunk(cout, costPerIteration: cin * 64) { range in
                    drk_winograd_pack_weights(w.base, cout, cin, range.lowerBound, range.count, packedWeights.base)
                }
            }
            input.scalars.withUnsafeBufferPointer { x in
                output.scalars.withUnsafeMutableBufferPointer { out in
                    biasScalars.withUnsafeBufferPointer { b in
                        let source = SharedPointer(base: UnsafeMutablePointer(mutating: x.baseAddress!))
                        let destination = SharedPointer(base: out.baseAddress!)
                        // An empty array's buffer may still have an address.
                        let biasPointer = b.isEmpty
                            ? nil : SharedPointer(base: UnsafeMutablePointer(mutating: b.baseAddress!))
                        let scratchFloats = drk_winograd_fused_scratch_floats(cout, cin)
                        ParallelLoop.forEachChunk(batch * tilesY * chunksPerRow,
                                                  costPerIteration: 32 * cout * cin * chunk) { items in
                            pool.withBuffer(count: scratchFloats) { scratch in
                                for item in items {
                                    let (row, column) = item.quotientAndRemainder(dividingBy: chunksPerRow)
                                    let (image, tileRow) = row.quotientAndRemainder(dividingBy: tilesY)
                                    let firstTile = column * chunk
                                    drk_winograd_fused(source.base + image * cin * plane, cin, height, width,
                                                       packedWeights.base, cout, biasPointer?.base, fusedActivation,
                                                       destination.base + image * cout * plane, tileRow, firstTile,
                                                       min(chunk, tilesX - firstTile), scratch)
                                }
                            }
                        }
                    }
                }
            }
        }
        if let activation, activation.kernel == nil { activation.apply(to: &output) }
        return output
    }
}
