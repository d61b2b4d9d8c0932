import Foundation
import Testing
@testable import DarkroomEngine

/// Attention tiled over keys with an online softmax against the untiled computation.
@Suite struct TiledAttentionTests {
    /// (query tokens, key tokens, channels, heads, query block, key block, causal); key counts include ones the
    /// key block does not divide, blocks larger than the sequence, and single-row tiles.
    static let cases: [(Int, Int, Int, Int, Int, Int, Bool)] = [
        (37, 53, 12, 3, 8, 16, false),
        (64, 64, 8, 2, 16, 16, false),
        (5, 77, 16, 4, 64, 10, false),
        (45, 45, 12, 2, 7, 10, true),
        (33, 33, 6, 1, 1, 4, true),
        (20, 9, 6, 3, 32, 64, false),
    ]

    @Test(arguments: cases.indices)
    func tiledAttentionMatchesUntiled(index: Int) {
        let (tokens, keys, channels, heads, queryBlock, keyBlock, causal) = Self.cases[index]
        let q = TensorOperationTests.random([2, tokens, channels], seed: UInt64(40 + index))
        let k = TensorOperationTests.random([2, keys, channels], seed: UInt64(60 + index)).scaled(by: 4)
        let v = TensorOperationTests.random([2, keys, channels * 2], seed: UInt64(80 + index))
        let untiled = ScaledDotProductAttention.attend(query: q, key: k, value: v, heads: heads, causal: causal)
        let tiled = ScaledDotProductAttention.attend(query: q, key: k, value: v, heads: heads, causal: causal,
                                                     tiling: TiledAttention(queryBlock: queryBlock, keyBlock: keyBlock))
        EngineFixtures.expectClose(tiled, untiled, "tiled attention case \(index)", tolerance: 1e-5)
    }

    @Test func longSequencesUseTheTiledPathByDefault() {
        let keys = ScaledDotProductAttention.tiledKeyThreshold + 3
        let q = TensorOperationTests.random([1, 4, 8], seed: 90)
        let k = TensorOperationTests.random([1, keys, 8], seed: 91)
        let v = TensorOperationTests.random([1, keys, 8], seed: 92)
        let byDefault = ScaledDotProductAttention.attend(query: q, key: k, value: v, heads: 2)
        let tiled = ScaledDotProductAttention.attend(query: q, key: k, value: v, heads: 2, tiling: .standard)
        #expect(byDefault == tiled)
    }
}
