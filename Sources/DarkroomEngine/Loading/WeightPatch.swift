import Foundation

/// One low-rank update `W += factor · up · down` to a weight (a LoRA module at its scale), where
/// `factor = scale · alpha / rank`. Linear weights `[out, in]` take `up [out, r]`, `down [r, in]`;
/// conv weights `[out, in, kh, kw]` take `up [out, r, 1, 1]` and `down [r, in, kh, kw]`.
struct WeightPatch: Sendable {
    /// The file the update comes from, for messages.
    let file: String
    /// The down (A) tensor's key, for messages.
    let key: String
    /// `[out, r]` or `[out, r, 1, 1]`.
    let up: Tensor
    /// `[r, in]` or `[r, in, kh, kw]`.
    let down: Tensor
    /// `scale · alpha / rank`.
    let factor: Float

    /// The rank `r`.
    var rank: Int { down.shape.first ?? 0 }

    /// Throws `loraShapeMismatch` unless `up` and `down` fit a weight of `shape`.
    func validate(against shape: [Int]) throws(ModelLoadError) {
        guard shape.count == 2 || shape.count == 4 else {
            throw .loraShapeMismatch(path: file, key: key, expected: shape, actual: down.shape)
        }
        let expectedDown = [rank] + shape.dropFirst()
        guard Self.trimmed(down.shape) == Self.trimmed(expectedDown) else {
            throw .loraShapeMismatch(path: file, key: key, expected: expectedDown, actual: down.shape)
        }
        let expectedUp = shape.count == 4 ? [shape[0], rank, 1, 1] : [shape[0], rank]
        guard Self.trimmed(up.shape) == Self.trimmed(expectedUp) else {
            throw .loraShapeMismatch(path: file, key: upKey, expected: expectedUp, actual: up.shape)
        }
    }

    /// The up tensor's key (the down key with `down`/`A` replaced), for messages.
    var upKey: String {
        for (from, to) in [(".lora_down.", ".lora_up."), (".lora_A.", ".lora_B."), (".lora.down.", ".lora.up."),
                           (".lora_linear_layer.down.", ".lora_linear_layer.up.")] where key.contains(from) {
            return key.replacingOccurrences(of: from, with: to)
        }
        return key
    }

    /// Adds the update to `weight` in place.
    func apply(to weight: inout Tensor) throws(ModelLoadError) {
        try validate(against: weight.shape)
        let (rows, r) = (weight.shape[0], rank)
        let columns = weight.count / max(rows, 1)
        guard rows > 0, columns > 0, r > 0 else { return }
        up.scalars.withUnsafeBufferPointer { a in
            down.scalars.withUnsafeBufferPointer { b in
                weight.scalars.withUnsafeMutableBufferPointer { c in
                    BLASBackend.gemm(transposeA: false, transposeB: false, m: rows, n: columns, k: r, alpha: factor,
                                     a: a.baseAddress!, lda: r, b: b.baseAddress!, ldb: columns,
                                     beta: 1, c: c.baseAddress!, ldc: columns)
                }
            }
        }
    }

    /// `shape` without trailing 1x1 kernel dimensions (`[r, in, 1, 1]` ≡ `[r, in]`).
    private static func trimmed(_ shape: [Int]) -> [Int] {
        shape.count == 4 && shape[2] == 1 && shape[3] == 1 ? Array(shape.prefix(2)) : shape
    }
}
