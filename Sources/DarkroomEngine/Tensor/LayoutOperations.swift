/// Layout changes, concatenation and resampling.
extension Tensor {
    /// `[N, C, H, W]` → `[N, H*W, C]` (channels last, one token per pixel).
    public func channelsLastTokens() -> Tensor {
        precondition(rank == 4, "channelsLastTokens: rank-4 input")
        let (n, c, plane) = (shape[0], shape[1], shape[2] * shape[3])
        var result = Tensor(shape: [n, plane, c])
        Tensor.transposeMatrices(from: scalars, to: &result.scalars, count: n, rows: c, columns: plane)
        return result
    }

    /// `[N, H*W, C]` → `[N, C, H, W]`, the inverse of `channelsLastTokens()`.
    public func channelsFirstImage(height: Int, width: Int) -> Tensor {
        precondition(rank == 3 && shape[1] == height * width, "channelsFirstImage: input \(shape)")
        let (n, c) = (shape[0], shape[2])
        var result = Tensor(shape: [n, c, height, width])
        Tensor.transposeMatrices(from: scalars, to: &result.scalars, count: n, rows: height * width, columns: c)
        return result
    }

    /// Transposes `count` consecutive `rows x columns` matrices.
    static func transposeMatrices(from source: [Float], to destination: inout [Float], count: Int, rows: Int, columns: Int) {
        let block = 32
        source.withUnsafeBufferPointer { src in
            destination.withUnsafeMutableBufferPointer { dst in
                for m in 0..<count {
                    let s = src.baseAddress! + m * rows * columns
                    let d = dst.baseAddress! + m * rows * columns
                    for r0 in stride(from: 0, to: rows, by: block) {
                        for c0 in stride(from: 0, to: columns, by: block) {
                            for r in r0..<min(r0 + block, rows) {
                                for c in c0..<min(c0 + block, columns) {
                                    d[c * rows + r] = s[r * columns + c]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Concatenates NCHW tensors along the channel dimension (`torch.cat(dim=1)`).
    public static func concatenateChannels(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "concatenateChannels: no input")
        let first = parts[0]
        let batch = first.shape[0]
        let spatial = Array(first.shape.dropFirst(2))
        precondition(parts.allSatisfy { $0.shape[0] == batch && Array($0.shape.dropFirst(2)) == spatial },
                     "concatenateChannels: mismatched shapes \(parts.map(\.shape))")
        let plane = spatial.reduce(1, *)
        let channels = parts.reduce(0) { $0 + $1.shape[1] }
        var result = Tensor(shape: [batch, channels] + spatial)
        result.scalars.withUnsafeMutableBufferPointer { out in
            var offset = 0
            for part in parts {
                let partChannels = part.shape[1]
                part.scalars.withUnsafeBufferPointer { src in
                    for n in 0..<batch {
                        (out.baseAddress! + (n * channels + offset) * plane)
                            .update(from: src.baseAddress! + n * partChannels * plane, count: partChannels * plane)
                    }
                }
                offset += partChannels
            }
        }
        return result
    }

    /// Stacks tensors of equal shape `[1, ...]` or `[n, ...]` along the batch dimension.
    public static func concatenateBatch(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "concatenateBatch: no input")
        let tail = Array(parts[0].shape.dropFirst())
        precondition(parts.allSatisfy { Array($0.shape.dropFirst()) == tail }, "concatenateBatch: mismatched shapes")
        return Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + tail,
                      scalars: parts.flatMap(\.scalars))
    }

    /// The `index`-th batch entries `[index, ...]`, `count` of them.
    public func batchSlice(_ index: Int, count: Int = 1) -> Tensor {
        let per = self.count / shape[0]
        return Tensor(shape: [count] + shape.dropFirst(),
                      scalars: Array(scalars[(index * per)..<((index + count) * per)]))
    }

    /// Nearest-neighbour upsampling of an NCHW tensor by an integer `factor`.
    public func upsampledNearest(factor: Int = 2) -> Tensor {
        precondition(rank == 4, "upsampledNearest: rank-4 input")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        let (outHeight, outWidth) = (height * factor, width * factor)
        var result = Tensor(shape: [shape[0], shape[1], outHeight, outWidth])
        scalars.withUnsafeBufferPointer { src in
            result.scalars.withUnsafeMutableBufferPointer { dst in
                let source = SharedPointer(base: UnsafeMutablePointer(mutating: src.baseAddress!))
                let destination = SharedPointer(base: dst.baseAddress!)
                ParallelLoop.forEachChunk(planes, costPerIteration: outHeight * outWidth) { range in
                    for p in range {
                        let s = source.base + p * height * width
                        let d = destination.base + p * outHeight * outWidth
                        for y in 0..<height {
                            let line = d + y * factor * outWidth
                            for x in 0..<width {
                                let value = s[y * width + x]
                                for f in 0..<factor { line[x * factor + f] = value }
                            }
                            for f in 1..<factor {
                                (line + f * outWidth).update(from: line, count: outWidth)
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}

extension Tensor {
    /// Rows and columns of each plane of an NCHW tensor: `[N, C, rows.count, columns.count]`.
    func window(rows: Range<Int>, columns: Range<Int>) -> Tensor {
        precondition(rank == 4 && rows.upperBound <= shape[2] && columns.upperBound <= shape[3], "window of \(shape)")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        var result = Tensor(uninitializedShape: [shape[0], shape[1], rows.count, columns.count])
        for plane in 0..<planes {
            for (line, y) in rows.enumerated() {
                let source = (plane * height + y) * width + columns.lowerBound
                let target = (plane * rows.count + line) * columns.count
                result.scalars[target..<(target + columns.count)] = scalars[source..<(source + columns.count)]
            }
        }
        return result
    }

    /// Copies the first `rows` x `columns` of each plane of `part` (NCHW, same N and C) to this tensor's planes at
    /// (`atRow`, `column`).
    mutating func paste(_ part: Tensor, rows: Int, columns: Int, atRow top: Int, column left: Int) {
        precondition(rank == 4 && part.shape[0] * part.shape[1] == shape[0] * shape[1]
                     && top + rows <= shape[2] && left + columns <= shape[3], "paste \(part.shape) into \(shape)")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        let (partHeight, partWidth) = (part.shape[2], part.shape[3])
        for plane in 0..<planes {
            for line in 0..<rows {
                let source = (plane * partHeight + line) * partWidth
                let target = (plane * height + top + line) * width + left
                scalars[target..<(target + columns)] = part.scalars[source..<(source + columns)]
            }
        }
    }
}
