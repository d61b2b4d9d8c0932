import Foundation

/// Multi-head scaled dot-product attention on `[batch, tokens, channels]` tensors.
///
/// Heads are column slices of the channel dimension, so QK^T and AV run as one strided
/// sgemm per (batch, head, block of query rows) with no permutation copies. Query rows
/// are processed in blocks so the score matrix stays small at 64x64 latents.
enum ScaledDotProductAttention {
    /// The largest score block, in floats.
    static let scoreLimit = 1 << 22

    /// `softmax(Q K^T / sqrt(d) [+ causal mask]) V` per head; returns `[batch, queryTokens, valueChannels]`.
    static func attend(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool = false) -> Tensor {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3, "attention: rank-3 inputs")
        let (batch, queryTokens, channels) = (query.shape[0], query.shape[1], query.shape[2])
        let keyTokens = key.shape[1]
        let valueChannels = value.shape[2]
        precondition(key.shape[0] == batch && value.shape[0] == batch && key.shape[2] == channels
                     && value.shape[1] == keyTokens, "attention: shapes \(query.shape) \(key.shape) \(value.shape)")
        precondition(channels % heads == 0 && valueChannels % heads == 0, "attention: channels not divisible by heads")
        let headDim = channels / heads
        let valueHeadDim = valueChannels / heads
        let scale = 1 / Float(headDim).squareRoot()
        let blockRows = max(1, min(queryTokens, scoreLimit / max(1, keyTokens)))
        var scores = [Float](repeating: 0, count: blockRows * keyTokens)
        var output = Tensor(shape: [batch, queryTokens, valueChannels])
        query.scalars.withUnsafeBufferPointer { q in
            key.scalars.withUnsafeBufferPointer { k in
                value.scalars.withUnsafeBufferPointer { v in
                    output.scalars.withUnsafeMutableBufferPointer { out in
                        scores.withUnsafeMutableBufferPointer { s in
                            for b in 0..<batch {
                                for h in 0..<heads {
                                    var row0 = 0
                                    while row0 < queryTokens {
                                        let rows = min(blockRows, queryTokens - row0)
                                        BLASBackend.gemm(
                                            transposeA: false, transposeB: true,
                                            m: rows, n: keyTokens, k: headDim, alpha: scale,
                                            a: q.baseAddress! + (b * queryTokens + row0) * channels + h * headDim, lda: channels,
                                            b: k.baseAddress! + b * keyTokens * channels + h * headDim, ldb: channels,
                                            c: s.baseAddress!, ldc: keyTokens)
                                        softmaxRows(s.baseAddress!, rows: rows, columns: keyTokens,
                                                    causalOffset: causal ? row0 : nil)
                                        BLASBackend.gemm(
                                            transposeA: false, transposeB: false,
                                            m: rows, n: valueHeadDim, k: keyTokens,
                                            a: s.baseAddress!, lda: keyTokens,
                                            b: v.baseAddress! + b * keyTokens * valueChannels + h * valueHeadDim, ldb: valueChannels,
                                            c: out.baseAddress! + (b * queryTokens + row0) * valueChannels + h * valueHeadDim,
                                            ldc: valueChannels)
                                        row0 += rows
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
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
                for c in 0..<visible { row[c] *= inverse }
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
