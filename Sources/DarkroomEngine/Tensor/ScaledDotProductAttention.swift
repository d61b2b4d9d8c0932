import Foundation

/// Multi-head scaled dot-product attention on `[batch, tokens, channels]` tensors.
///
/// Heads are column slices of the channel dimension, so QK^T and AV run as strided sgemms
/// per (batch, head, block of query rows) with no permutation copies. Long key sequences
/// are tiled over keys as well (``TiledAttention``), so working memory does not grow with
/// the square of the token count.
enum ScaledDotProductAttention {
    /// The largest score block, in floats, of the untiled path.
    static let scoreLimit = 1 << 22

    /// Key counts above this go through ``TiledAttention`` (512x512 images and larger: 4,096 latent tokens).
    static let tiledKeyThreshold = 1024

    /// `softmax(Q K^T / sqrt(d) [+ causal mask]) V` per head; returns `[batch, queryTokens, valueChannels]`.
    /// `tiling` (by default ``TiledAttention/standard`` above ``tiledKeyThreshold`` keys) computes it over key
    /// blocks with an online softmax; nil scores all keys of a block of query rows at once.
    static func attend(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool = false,
                       tiling: TiledAttention? = nil) -> Tensor {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3, "attention: rank-3 inputs")
        let (batch, queryTokens, channels) = (query.shape[0], query.shape[1], query.shape[2])
        let keyTokens = key.shape[1]
        let valueChannels = value.shape[2]
        precondition(key.shape[0] == batch && value.shape[0] == batch && key.shape[2] == channels
                     && value.shape[1] == keyTokens, "attention: shapes \(query.shape) \(key.shape) \(value.shape)")
        precondition(channels % heads == 0 && valueChannels % heads == 0, "attention: channels not divisible by heads")
        let tiling = tiling ?? (keyTokens > tiledKeyThreshold ? .standard : nil)
        let headDim = channels / heads
        let valueHeadDim = valueChannels / heads
        let scale = 1 / Float(headDim).squareRoot()
        var output = Tensor(shape: [batch, queryTokens, valueChannels])
        query.scalars.withUnsafeBufferPointer { q in
            key.scalars.withUnsafeBufferPointer { k in
                value.scalars.withUnsafeBufferPointer { v in
                    output.scalars.withUnsafeMutableBufferPointer { out in
                        for b in 0..<batch {
                            for h in 0..<heads {
                                let head = TiledAttention.Head(
                                    query: q.baseAddress! + b * queryTokens * channels + h * headDim,
                                    key: k.baseAddress! + b * keyTokens * channels + h * headDim,
                                    value: v.baseAddress! + b * keyTokens * valueChannels + h * valueHeadDim,
                                    output: out.baseAddress! + b * queryTokens * valueChannels + h * valueHeadDim,
                                    queryStride: channels, valueStride: valueChannels,
                                    queryTokens: queryTokens, keyTokens: keyTokens, headDim: headDim, valueHeadDim: valueHeadDim,
                                    scale: scale, causal: causal)
                                if let tiling { tiling.attend(head) } else { attendAllKeys(head) }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// One head with every key scored at once per block of query rows (the score block in a pooled buffer).
    private static func attendAllKeys(_ head: TiledAttention.Head) {
        let blockRows = max(1, min(head.queryTokens, scoreLimit / max(1, head.keyTokens)))
        ScratchPool.shared.withBuffer(count: blockRows * head.keyTokens) { scores in
            var row0 = 0
            while row0 < head.queryTokens {
                let rows = min(blockRows, head.queryTokens - row0)
                BLASBackend.gemm(
                    transposeA: false, transposeB: true, m: rows, n: head.keyTokens, k: head.headDim, alpha: head.scale,
                    a: head.query + row0 * head.queryStride, lda: head.queryStride, b: head.key, ldb: head.queryStride,
                    c: scores, ldc: head.keyTokens)
                softmaxRows(scores, rows: rows, columns: head.keyTokens, causalOffset: head.causal ? row0 : nil)
                BLASBackend.gemm(
                    transposeA: false, transposeB: false, m: rows, n: head.valueHeadDim, k: head.keyTokens,
                    a: scores, lda: head.keyTokens, b: head.value, ldb: head.valueStride,
                    c: head.output + row0 * head.valueStride, ldc: head.valueStride)
                row0 += rows
            }
        }
    }

    /// In-place softmax of each row; with `causalOffset`, row `r` only attends to columns `<= causalOffset + r`.
    static func softmaxRows(_ base: UnsafeMutablePointer<Float>, rows: Int, columns: Int, causalOffset: Int?) {
        let shared = SharedPointer(base: base)
        ParallelLoop.forEachChunk(rows, costPerIteration: columns * 4) { range in
            for r in range {
                let row = shared.base + r * columns
                let visible = causalOffset.map { min(columns, $0 + r + 1) } ?? columns
                let maximum = VectorMath.maximum(row, count: visible)
                let inverse = 1 / VectorMath.exponentiate(row, count: visible, shift: maximum)
                VectorMath.scale(row, count: visible, by: inverse)
                for c in visible..<columns { row[c] = 0 }
            }
        }
    }
}

extension Tensor {
    /// Softmax along the last dimension.
    public func softmaxLastDimension() -> Tensor {
        var result = self
        let columns = shape.last ?? 1
        result.scalars.withUnsafeMutableBufferPointer { buffer in
            ScaledDotProductAttention.softmaxRows(buffer.baseAddress!, rows: count / columns, columns: columns, causalOffset: nil)
        }
        return result
    }
}
