/// Attention over key blocks with a running (online) softmax, as flash attention does: for each block of
/// query rows, scores are computed one key block at a time, each row keeps its running maximum and sum,
/// and the partial output is rescaled when the maximum grows. Working memory is one
/// `queryBlock x keyBlock` score tile plus a `queryBlock x headDim` accumulator, whatever the token count.
struct TiledAttention {
    /// Query rows per tile.
    let queryBlock: Int
    /// Key columns per tile.
    let keyBlock: Int

    /// The tiles used from ``ScaledDotProductAttention/tiledKeyThreshold`` keys on.
    static let standard = TiledAttention(queryBlock: 1024, keyBlock: 2048)

    /// The strided operands of one (batch, head) pair.
    struct Head {
        let query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>
        /// Row strides (the full channel counts).
        let queryStride: Int, valueStride: Int
        let queryTokens: Int, keyTokens: Int, headDim: Int, valueHeadDim: Int
        let scale: Float
        let causal: Bool
    }

    /// `softmax(Q K^T * scale) V` for one head, written to `head.output` (row stride `valueStride`).
    func attend(_ head: Head) {
        let rowsMax = min(queryBlock, head.queryTokens)
        let columnsMax = min(keyBlock, head.keyTokens)
        ScratchPool.shared.withBuffer(count: rowsMax * (columnsMax + head.valueHeadDim + 2)) { scratch in
            let scores = scratch
            let accumulator = scratch + rowsMax * columnsMax
            let maxima = accumulator + rowsMax * head.valueHeadDim
            let sums = maxima + rowsMax
            var row0 = 0
            while row0 < head.queryTokens {
                let rows = min(rowsMax, head.queryTokens - row0)
                accumulator.update(repeating: 0, count: rows * head.valueHeadDim)
                maxima.update(repeating: -.infinity, count: rows)
                sums.update(repeating: 0, count: rows)
                let keyEnd = head.causal ? min(head.keyTokens, row0 + rows) : head.keyTokens
                var key0 = 0
                while key0 < keyEnd {
                    let columns = min(columnsMax, keyEnd - key0)
                    BLASBackend.gemm(
                        transposeA: false, transposeB: true, m: rows, n: columns, k: head.headDim, alpha: head.scale,
                        a: head.query + row0 * head.queryStride, lda: head.queryStride,
                        b: head.key + key0 * head.queryStride, ldb: head.queryStride,
                        c: scores, ldc: columns)
                    let tile = Tile(scores: SharedPointer(base: scores), accumulator: SharedPointer(base: accumulator),
                                    maxima: SharedPointer(base: maxima), sums: SharedPointer(base: sums),
                                    columns: columns, width: head.valueHeadDim,
                                    visibleBase: head.causal ? row0 + 1 - key0 : nil)
                    ParallelLoop.forEachChunk(rows, costPerIteration: columns * 4) { range in
                        for r in range { tile.updateRow(r) }
                    }
                    BLASBackend.gemm(
                        transposeA: false, transposeB: false, m: rows, n: head.valueHeadDim, k: columns,
                        a: scores, lda: columns, b: head.value + key0 * head.valueStride, ldb: head.valueStride,
                        beta: 1, c: accumulator, ldc: head.valueHeadDim)
                    key0 += columns
                }
                for r in 0..<rows {
                    VectorMath.affine(head.output + (row0 + r) * head.valueStride, accumulator + r * head.valueHeadDim,
                                      count: head.valueHeadDim, scale: 1 / sums[r], shift: 0, activation: nil)
                }
                row0 += rows
            }
        }
    }

    /// One score tile and the running state of its rows.
    private struct Tile: Sendable {
        let scores: SharedPointer<Float>, accumulator: SharedPointer<Float>
        let maxima: SharedPointer<Float>, sums: SharedPointer<Float>
        let columns: Int, width: Int
        /// With a causal mask, row `r` sees the tile's first `visibleBase + r` columns.
        let visibleBase: Int?

        /// Turns row `r` of the scores into `exp(score - newMax)` (zero where masked), folds it into the
        /// row's sum, and rescales the row's accumulated output to the new maximum.
        func updateRow(_ r: Int) {
            let row = scores.base + r * columns
            let visible = visibleBase.map { max(0, min(columns, $0 + r)) } ?? columns
            guard visible > 0 else {
                row.update(repeating: 0, count: columns)
                return
            }
            let previous = maxima.base[r]
            let maximum = max(previous, VectorMath.maximum(row, count: visible))
            let rescale = previous == -.infinity ? 0 : VectorMath.exp(previous - maximum)
            let total = VectorMath.exponentiate(row, count: visible, shift: maximum)
            if visible < columns { (row + visible).update(repeating: 0, count: columns - visible) }
            sums.base[r] = sums.base[r] * rescale + total
            maxima.base[r] = maximum
            if rescale != 1 { VectorMath.scale(accumulator.base + r * width, count: width, by: rescale) }
        }
    }
}
