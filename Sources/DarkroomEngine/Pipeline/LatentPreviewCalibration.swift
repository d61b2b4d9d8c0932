import Foundation

/// One calibration sample: latents as the scheduler holds them (`channels` planes of `width * height`)
/// and the picture the model's decoder made from them (`width * f` x `height * f`).
public struct LatentPreviewSample: Sendable {
    /// Planar latents, `channels * width * height` values.
    public var latents: [Float]
    /// Latent channels.
    public var channels: Int
    /// Latent width.
    public var width: Int
    /// Latent height.
    public var height: Int
    /// The decoded picture.
    public var image: RGBImage

    /// A sample from its parts.
    public init(latents: [Float], channels: Int, width: Int, height: Int, image: RGBImage) {
        self.latents = latents
        self.channels = channels
        self.width = width
        self.height = height
        self.image = image
    }

    /// The picture averaged over each latent pixel's block, 0…1, interleaved RGB at latent resolution.
    var pooledImage: [Float] {
        let fx = image.width / width, fy = image.height / height
        var out = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    var sum = 0
                    for dy in 0..<fy { for dx in 0..<fx { sum += Int(image.pixels[((y * fy + dy) * image.width + x * fx + dx) * 3 + c]) } }
                    out[(y * width + x) * 3 + c] = Float(sum) / Float(fx * fy * 255)
                }
            }
        }
        return out
    }
}

extension LatentPreview {
    /// The least-squares affine map from latents to the colours their decoder drew (each picture averaged
    /// over the block of pixels one latent pixel becomes), or nil when the samples are empty, disagree in
    /// channel count, or do not determine a map.
    public static func fit(_ samples: [LatentPreviewSample]) -> LatentPreview? {
        guard let channels = samples.first?.channels, channels > 0,
              samples.allSatisfy({ $0.channels == channels && $0.latents.count == channels * $0.width * $0.height
                  && $0.width > 0 && $0.image.width % $0.width == 0 && $0.image.height % $0.height == 0 }) else { return nil }
        let n = channels + 1
        // Normal equations: (X^T X) w = X^T y for each colour, X's rows = [latent channels..., 1].
        var gram = [Double](repeating: 0, count: n * n)
        var moments = [Double](repeating: 0, count: n * 3)
        for sample in samples {
            let plane = sample.width * sample.height
            let target = sample.pooledImage
            var row = [Double](repeating: 1, count: n)
            for i in 0..<plane {
                for c in 0..<channels { row[c] = Double(sample.latents[c * plane + i]) }
                for a in 0..<n {
                    for b in 0..<n { gram[a * n + b] += row[a] * row[b] }
                    for colour in 0..<3 { moments[a * 3 + colour] += row[a] * Double(target[i * 3 + colour]) }
                }
            }
        }
        guard let solution = solve(gram, moments, size: n, columns: 3) else { return nil }
        let weights = (0..<channels).map { c in (0..<3).map { Float(solution[c * 3 + $0]) } }
        let map = LatentPreview(weights: weights, bias: (0..<3).map { Float(solution[channels * 3 + $0]) })
        return map.isWellFormed ? map : nil
    }

    /// The mean absolute difference, in 8-bit levels over every channel of every latent pixel, between this
    /// map's preview of the sample's latents and its decoded picture averaged to latent resolution.
    public func meanColourError(_ sample: LatentPreviewSample) -> Double? {
        guard let preview = image(scalars: sample.latents, width: sample.width, height: sample.height) else { return nil }
        let target = sample.pooledImage
        var total = 0.0
        for (index, value) in preview.pixels.enumerated() { total += abs(Double(value) - Double(target[index]) * 255) }
        return total / Double(target.count)
    }

    /// Solves `a x = b` (a: size x size, b: size x columns, row-major) by Gaussian elimination with partial
    /// pivoting and a tiny ridge; nil when `a` is singular.
    static func solve(_ a: [Double], _ b: [Double], size n: Int, columns: Int) -> [Double]? {
        var m = a, rhs = b
        let scale = (0..<n).map { m[$0 * n + $0] }.max() ?? 1
        for i in 0..<n { m[i * n + i] += 1e-9 * max(scale, 1) }
        for col in 0..<n {
            guard let pivot = (col..<n).max(by: { abs(m[$0 * n + col]) < abs(m[$1 * n + col]) }), abs(m[pivot * n + col]) > 1e-12 else {
                return nil
            }
            if pivot != col {
                for k in 0..<n { m.swapAt(col * n + k, pivot * n + k) }
                for k in 0..<columns { rhs.swapAt(col * columns + k, pivot * columns + k) }
            }
            for row in 0..<n where row != col {
                let factor = m[row * n + col] / m[col * n + col]
                if factor == 0 { continue }
                for k in col..<n { m[row * n + k] -= factor * m[col * n + k] }
                for k in 0..<columns { rhs[row * columns + k] -= factor * rhs[col * columns + k] }
            }
        }
        return (0..<n * columns).map { rhs[$0] / m[($0 / columns) * n + $0 / columns] }
    }
}

extension LatentPreview {
    /// A calibration sample from the decoder itself: `latents` (as the scheduler holds them, `[1, C, h, w]`)
    /// decoded as the pipeline decodes its final latents.
    public static func sample(decoding latents: Tensor, with decoder: any LatentDecoder) -> LatentPreviewSample {
        let inverse = 1 / decoder.scalingFactor
        let image = RGBImage(signedUnitImage: decoder.decode(Tensor(shape: latents.shape, scalars: latents.scalars.map { $0 * inverse })))
        return LatentPreviewSample(latents: latents.scalars, channels: latents.shape[1], width: latents.shape[3],
                                   height: latents.shape[2], image: image)
    }

    /// A map for a model that declares none, fitted at load from a few decoder calls: `count` grids of
    /// `size` x `size` standard-normal latents (the spread of the latents a sampler ends with), seeded so
    /// every load of the same model gets the same map. Nil when the fit fails.
    public static func calibrated(for decoder: any LatentDecoder, count: Int = 4, size: Int = 8, seed: UInt64 = 0) -> LatentPreview? {
        var generator = TorchGenerator(seed: seed)
        let shape = [1, decoder.latentChannels, size, size]
        let samples = (0..<count).map { _ in
            sample(decoding: Tensor(shape: shape, scalars: generator.randn(shape.reduce(1, *))), with: decoder)
        }
        return fit(samples)
    }
}
