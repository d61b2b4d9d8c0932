/// Elementwise arithmetic on tensors of identical shape.
extension Tensor {
    /// Adds `other` (same shape) into `self`.
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "add: shape \(shape) vs \(other.shape)")
        let count = self.count
        scalars.withUnsafeMutableBufferPointer { lhs in
            other.scalars.withUnsafeBufferPointer { rhs in
                let out = SharedPointer(base: lhs.baseAddress!)
                let input = UnsafePointer(rhs.baseAddress!)
                let inputShared = SharedPointer(base: UnsafeMutablePointer(mutating: input))
                ParallelLoop.forEachChunk(count) { range in
                    for i in range { out.base[i] += inputShared.base[i] }
                }
            }
        }
    }

    /// `self * factor` elementwise.
    public func scaled(by factor: Float) -> Tensor {
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] *= factor }
        }
        return result
    }

    /// The elementwise sum of two tensors of the same shape.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        var result = lhs
        result.add(rhs)
        return result
    }

    /// The elementwise product of two tensors of the same shape.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        precondition(lhs.shape == rhs.shape, "mul: shape \(lhs.shape) vs \(rhs.shape)")
        var result = lhs
        result.scalars.withUnsafeMutableBufferPointer { out in
            rhs.scalars.withUnsafeBufferPointer { input in
                for i in out.indices { out[i] *= input[i] }
            }
        }
        return result
    }
}
