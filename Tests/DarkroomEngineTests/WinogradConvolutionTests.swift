import Testing
@testable import DarkroomEngine

/// Winograd's F(2x2, 3x3) path against the direct loops: odd and tiny planes (partial output tiles, tiles
/// wholly in the padding), batches whose band of tile rows spans two images, and fused activations; with the
/// CPU's best kernels and with the baseline ones.
@Suite(.serialized) struct WinogradConvolutionTests {
    /// Widths from 19 on take the eight-tile vector transforms (37: two groups and a tail; 40: an even edge).
    @Test(arguments: [(9, 7, 1 << 23), (9, 7, 1), (8, 8, 700), (1, 1, 1 << 23), (2, 3, 1), (5, 16, 3000),
                      (11, 37, 1 << 23), (6, 40, 1), (19, 19, 5000)])
    func winogradMatchesDirectLoops(height: Int, width: Int, bandFloats: Int) {
        let x = TensorOperationTests.random([2, 3, height, width], seed: 21)
        let conv = Conv2d(weight: TensorOperationTests.random([5, 3, 3, 3], seed: 22),
                          bias: TensorOperationTests.random([5], seed: 23), padding: 1)
        let reference = TensorOperationTests.referenceConvolution(x, conv)
        EngineFixtures.expectClose(conv.convolveWinograd(x, activation: nil, bandFloats: bandFloats), reference,
                                   "winograd \(height)x\(width) band \(bandFloats)")
        EngineFixtures.expectClose(conv.convolveWinograd(x, activation: .silu, bandFloats: bandFloats),
                                   Activation.silu(reference), "winograd with SiLU")
        VectorMath.withBaselineKernels {
            EngineFixtures.expectClose(conv.convolveWinograd(x, activation: nil, bandFloats: bandFloats), reference,
                                       "baseline winograd \(height)x\(width) band \(bandFloats)")
        }
    }

    /// The fused path: widths from 65 span two chunks of 32 tiles (131: four and a tail of one tile); 13 output
    /// channels fill two blocks of six and one padded block; activations with a C kernel are applied per chunk,
    /// GELU-tanh after.
    @Test(arguments: [(9, 7), (1, 1), (2, 3), (5, 16), (11, 37), (6, 40), (19, 19), (7, 65), (4, 131), (33, 66)])
    func fusedWinogradMatchesDirectLoops(height: Int, width: Int) {
        let x = TensorOperationTests.random([2, 3, height, width], seed: 27)
        let conv = Conv2d(weight: TensorOperationTests.random([13, 3, 3, 3], seed: 28),
                          bias: TensorOperationTests.random([13], seed: 29), padding: 1)
        let reference = TensorOperationTests.referenceConvolution(x, conv)
        EngineFixtures.expectClose(conv.convolveWinogradFused(x, activation: nil), reference,
                                   "fused winograd \(height)x\(width)")
        for activation in [Activation.silu, .relu, .geluTanh] {
            EngineFixtures.expectClose(conv.convolveWinogradFused(x, activation: activation), activation(reference),
                                       "fused winograd with \(activation)")
        }
        let unbiased = Conv2d(weight: conv.weight, bias: nil, padding: 1)
        EngineFixtures.expectClose(unbiased.convolveWinogradFused(x, activation: nil),
                                   TensorOperationTests.referenceConvolution(x, unbiased), "fused winograd, no bias")
        VectorMath.withBaselineKernels {
            EngineFixtures.expectClose(conv.convolveWinogradFused(x, activation: .silu), Activation.silu(reference),
                                       "baseline fused winograd \(height)x\(width)")
        }
    }

    @Test func convolutionsWithEnoughChannelsTakeWinogradAndMatch() {
        let x = TensorOperationTests.random([2, 40, 17, 16], seed: 24)
        let conv = Conv2d(weight: TensorOperationTests.random([36, 40, 3, 3], seed: 25),
                          bias: TensorOperationTests.random([36], seed: 26), padding: 1)
        #expect(conv.prefersWinograd(outPlane: 17 * 16) && !conv.prefersWinograd(outPlane: 15 * 16))
        let convIsFused = conv.prefersFusedWinograd
        #expect(convIsFused)
        let wide = Conv2d(weight: TensorOperationTests.random([264, 40, 3, 3], seed: 30), bias: nil, padding: 1)
        let (wideIsFused, wideIsWinograd) = (wide.prefersFusedWinograd, wide.prefersWinograd(outPlane: 17 * 16))
        #expect(!wideIsFused && wideIsWinograd)
        let toRGB = Conv2d(weight: TensorOperationTests.random([3, 40, 3, 3], seed: 31), bias: nil, padding: 1)
        let fromRGB = Conv2d(weight: TensorOperationTests.random([40, 3, 3, 3], seed: 32), bias: nil, padding: 1)
        let (toRGBIsWinograd, fromRGBIsWinograd) = (toRGB.prefersWinograd(outPlane: 1024), fromRGB.prefersWinograd(outPlane: 1024))
        #expect(toRGBIsWinograd && !fromRGBIsWinograd)
        EngineFixtures.expectClose(toRGB(x), TensorOperationTests.referenceConvolution(x, toRGB), "fused to 3 channels")
        EngineFixtures.expectClose(wide(x), TensorOperationTests.referenceConvolution(x, wide), "banded winograd")
        EngineFixtures.expectClose(conv(x), TensorOperationTests.referenceConvolution(x, conv), "winograd by default")
        let strided = Conv2d(weight: conv.weight, bias: nil, stride: 2, padding: 1)
        let unpadded = Conv2d(weight: conv.weight, bias: nil, padding: 0)
        #expect(!strided.prefersWinograd(outPlane: 1024) && !unpadded.prefersWinograd(outPlane: 1024))
    }
}
