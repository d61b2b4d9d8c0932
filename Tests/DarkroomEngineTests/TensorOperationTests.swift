import Foundation
import Testing
@testable import DarkroomEngine

/// The BLAS-backed operations against direct loop implementations.
@Suite struct TensorOperationTests {
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SplitMix64(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in
            Float(Double(generator.next() >> 11) / Double(1 << 53) * 2 - 1)
        })
    }

    /// Direct 7-loop convolution.
    static func referenceConvolution(_ x: Tensor, _ conv: Conv2d) -> Tensor {
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, kh, kw) = (conv.weight.shape[0], conv.weight.shape[2], conv.weight.shape[3])
        let (oh, ow) = conv.outputSize(height: h, width: w)
        var out = Tensor(shape: [n, cout, oh, ow])
        for b in 0..<n {
            for o in 0..<cout {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = conv.bias?.scalars[o] ?? 0
                        for c in 0..<cin {
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let iy = oy * conv.stride - conv.padding.top + ky
                                    let ix = ox * conv.stride - conv.padding.left + kx
                                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                    sum += x.scalars[((b * cin + c) * h + iy) * w + ix]
                                        * conv.weight.scalars[((o * cin + c) * kh + ky) * kw + kx]
                                }
                            }
                        }
                        out.scalars[((b * cout + o) * oh + oy) * ow + ox] = sum
                    }
                }
            }
        }
        return out
    }

    @Test(arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0), (3, 2, 0), (4, 1, 2)])
    func convolutionMatchesDirectLoops(kernel: Int, stride: Int, padding: Int) {
        let x = Self.random([2, 3, 9, 7], seed: 1)
        let conv = Conv2d(weight: Self.random([5, 3, kernel, kernel], seed: 2), bias: Self.random([5], seed: 3),
                          stride: stride, padding: padding)
        let reference = Self.referenceConvolution(x, conv)
        EngineFixtures.expectClose(conv(x), reference, "conv k\(kernel) s\(stride) p\(padding)")
        // Tiny scratch: one output row per band.
        EngineFixtures.expectClose(conv.convolve(x, scratchLimit: 1), reference, "banded conv")
    }

    @Test(arguments: [Activation.relu, .silu])
    func convolutionWithFusedActivationMatchesSeparateActivation(activation: Activation) {
        let x = Self.random([2, 4, 11, 9], seed: 12)
        let conv = Conv2d(weight: Self.random([6, 4, 3, 3], seed: 13), bias: Self.random([6], seed: 14), padding: 1)
        let separate = activation(conv(x))
        #expect(conv(x, activation: activation) == separate)
        #expect(conv.convolve(x, scratchLimit: 40, activation: activation) == activation(conv.convolve(x, scratchLimit: 40)))
        let pointwise = Conv2d(weight: Self.random([6, 4, 1, 1], seed: 15), bias: nil)
        #expect(pointwise(x, activation: activation) == activation(pointwise(x)))
    }

    @Test(arguments: [(3, 1, 1000), (3, 0, 64), (1, 0, 1000), (4, 2, 30), (3, 1, 1)])
    func shiftedConvolutionMatchesDirectLoops(kernel: Int, padding: Int, bandFloats: Int) {
        let x = Self.random([2, 3, 9, 7], seed: 16)
        let conv = Conv2d(weight: Self.random([5, 3, kernel, kernel], seed: 17), bias: Self.random([5], seed: 18), padding: padding)
        let reference = Self.referenceConvolution(x, conv)
        EngineFixtures.expectClose(conv.convolveShifted(x, activation: nil, bandFloats: bandFloats), reference,
                                   "shifted conv k\(kernel) p\(padding) band \(bandFloats)")
        let asymmetric = Conv2d(weight: conv.weight, bias: nil, stride: 1, padding: (top: 0, left: 1, bottom: 2, right: 0))
        EngineFixtures.expectClose(asymmetric.convolveShifted(x, activation: .relu, bandFloats: bandFloats),
                                   Activation.relu(Self.referenceConvolution(x, asymmetric)), "shifted asymmetric conv")
    }

    @Test func asymmetricPaddingMatchesDirectLoops() {
        let x = Self.random([1, 2, 8, 8], seed: 4)
        let conv = Conv2d(weight: Self.random([3, 2, 3, 3], seed: 5), bias: nil, stride: 2,
                          padding: (top: 0, left: 0, bottom: 1, right: 1))
        EngineFixtures.expectClose(conv(x), Self.referenceConvolution(x, conv), "asymmetric conv")
        #expect(conv(x).shape == [1, 3, 4, 4])
    }

    @Test(arguments: [false, true])
    func attentionMatchesDirectSoftmax(causal: Bool) {
        let (batch, tokens, keys, channels, heads) = (2, 5, causal ? 5 : 7, 6, 3)
        let q = Self.random([batch, tokens, channels], seed: 6)
        let k = Self.random([batch, keys, channels], seed: 7)
        let v = Self.random([batch, keys, channels], seed: 8)
        let result = ScaledDotProductAttention.attend(query: q, key: k, value: v, heads: heads, causal: causal)
        let d = channels / heads
        var reference = Tensor(shape: [batch, tokens, channels])
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<tokens {
                    var scores = [Float](repeating: 0, count: keys)
                    for j in 0..<keys {
                        var dot: Float = 0
                        for c in 0..<d {
                            let qi: Int = (b * tokens + i) * channels + h * d + c
                            let ki: Int = (b * keys + j) * channels + h * d + c
                            dot += q.scalars[qi] * k.scalars[ki]
                        }
                        scores[j] = dot / Float(d).squareRoot()
                    }
                    if causal { for j in (i + 1)..<max(i + 1, keys) { scores[j] = -.infinity } }
                    let m = scores.max()!
                    let e = scores.map { expf($0 - m) }
                    let s = e.reduce(0, +)
                    for c in 0..<d {
                        var sum: Float = 0
                        for j in 0..<keys {
                            let vi: Int = (b * keys + j) * channels + h * d + c
                            sum += e[j] / s * v.scalars[vi]
                        }
                        let oi: Int = (b * tokens + i) * channels + h * d + c
                        reference.scalars[oi] = sum
                    }
                }
            }
        }
        EngineFixtures.expectClose(result, reference, "attention causal=\(causal)")
    }

    @Test func groupNormMatchesDefinition() {
        let x = Self.random([2, 4, 3, 3], seed: 9)
        let norm = GroupNorm(groups: 2, channels: 4, epsilon: 1e-5, weight: Self.random([4], seed: 10), bias: Self.random([4], seed: 11))
        let y = norm(x, activation: .silu)
        for b in 0..<2 {
            for g in 0..<2 {
                let slice = Array(x.scalars[(b * 4 + g * 2) * 9..<(b * 4 + g * 2 + 2) * 9])
                let mean = slice.reduce(0, +) / 18
                let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 18
                for (offset, value) in slice.enumerated() {
                    let c = g * 2 + offset / 9
                    let expected = Activation.silu.apply((value - mean) / (variance + 1e-5).squareRoot() * norm.weight.scalars[c] + norm.bias.scalars[c])
                    #expect(abs(y.scalars[(b * 4 + g * 2) * 9 + offset] - expected) < 1e-5)
                }
            }
        }
    }

    @Test func layoutOperationsRoundTrip() {
        let x = Self.random([2, 3, 4, 5], seed: 12)
        #expect(x.channelsLastTokens().channelsFirstImage(height: 4, width: 5) == x)
        let tokenIndex: Int = (1 * 20 + 7) * 3 + 2
        let imageIndex: Int = (1 * 3 + 2) * 20 + 7
        #expect(x.channelsLastTokens().scalars[tokenIndex] == x.scalars[imageIndex])
        let up = x.upsampledNearest()
        let upIndex: Int = ((1 * 3 + 2) * 8 + 5) * 10 + 7
        let sourceIndex: Int = ((1 * 3 + 2) * 4 + 2) * 5 + 3
        #expect(up.shape == [2, 3, 8, 10])
        #expect(up.scalars[upIndex] == x.scalars[sourceIndex])
        let joined = Tensor.concatenateChannels([x, Self.random([2, 1, 4, 5], seed: 13)])
        let joinedIndex: Int = (1 * 4 + 2) * 20 + 3
        let originalIndex: Int = (1 * 3 + 2) * 20 + 3
        #expect(joined.shape == [2, 4, 4, 5])
        #expect(joined.scalars[joinedIndex] == x.scalars[originalIndex])
    }

    @Test func timestepFeaturesFollowDiffusersLayout() {
        let plain = SinusoidalTimestepFeatures.embed([10], dimension: 4, flipSinToCos: false, downscaleFreqShift: 1)
        // half = 2; exponent i * -ln(10000) / (2 - 1): frequencies 1 and 1e-4.
        #expect(abs(plain.scalars[0] - sinf(10)) < 1e-6 && abs(plain.scalars[1] - sinf(1e-3)) < 1e-6)
        #expect(abs(plain.scalars[2] - cosf(10)) < 1e-6)
        let flipped = SinusoidalTimestepFeatures.embed([10], dimension: 4, flipSinToCos: true, downscaleFreqShift: 1)
        #expect(flipped.scalars[0] == plain.scalars[2] && flipped.scalars[2] == plain.scalars[0])
    }

    @Test func vectorExpIsWithinTwoUlpOfLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let reference = expf(x)
            worst = max(worst, abs(VectorMath.exp(x) - reference) / reference)
            x += 0.01337
        }
        #expect(worst < 2.5e-7)
        #expect(VectorMath.exp(-100) < 1e-37 && VectorMath.exp(100) == .infinity)
        var values: [Float] = (0..<19).map { Float($0) * 0.5 - 4 }
        let sum = values.withUnsafeMutableBufferPointer { VectorMath.exponentiate($0.baseAddress!, count: 19, shift: 1) }
        let expected = (0..<19).map { expf(Float($0) * 0.5 - 5) }
        #expect(abs(sum - expected.reduce(0, +)) < 1e-5)
        #expect(zip(values, expected).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, $1) })
    }
}
