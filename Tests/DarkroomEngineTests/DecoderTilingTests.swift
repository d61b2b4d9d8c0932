import Testing
@testable import DarkroomEngine

/// Tiled VAE decoding against diffusers' `AutoencoderKL.tiled_decode` (`goldens/vae-tiled.safetensors`, made by
/// `make_goldens_tiled_vae.py`): 20x28 latents on sd-tiny-conv's VAE (16-latent tiles, stride 12, 8 blended
/// pixels) make two rows of three tiles, the last row and column shorter than a tile.
struct DecoderTilingTests {
    @Test func tiledDecodingMatchesDiffusers() throws {
        let goldens = try EngineFixtures.goldens("vae-tiled")
        let decoder = try LatentDecoderLoader.load(directory: EngineFixtures.model("sd-tiny-conv").appendingPathComponent("vae"))
        #expect(decoder.tiling == DecoderTiling(sampleSize: 32, downsamplingFactor: 2))
        let latents = try goldens.tensor(named: "latents")
        let (tiled, whole) = (try goldens.tensor(named: "tiled"), try goldens.tensor(named: "whole"))
        EngineFixtures.expectClose(decoder.decode(latents, tiled: true), tiled, "tiled decoding")
        EngineFixtures.expectClose(decoder.decode(latents, tiled: false), whole, "whole decoding")
        // The two differ (attention and group norms see different extents), so the first check can fail.
        var difference: Float = 0
        for (a, b) in zip(tiled.scalars, whole.scalars) { difference = max(difference, abs(a - b)) }
        #expect(difference > 1e-2)
    }

    @Test func latentsWithinOneTileDecodeWhole() throws {
        let goldens = try EngineFixtures.goldens("vae-tiled")
        let decoder = try LatentDecoderLoader.load(directory: EngineFixtures.model("sd-tiny-conv").appendingPathComponent("vae"))
        let small = try goldens.tensor(named: "latents").window(rows: 0..<16, columns: 4..<20)
        #expect(decoder.decode(small, tiled: true) == decoder.decode(small))
    }

    @Test func tilingNeedsWholeTiles() {
        #expect(DecoderTiling(sampleSize: 512, downsamplingFactor: 8)?.latentTile == 64)
        #expect(DecoderTiling(sampleSize: 512, downsamplingFactor: 8)?.keptPixels == 384)
        #expect(DecoderTiling(sampleSize: 36, downsamplingFactor: 2) == nil)  // 18 latent pixels: not a multiple of 4
        #expect(DecoderTiling(sampleSize: 30, downsamplingFactor: 4) == nil)  // not divisible by the factor
    }

    @Test func tinyAutoencoderDecodesWhole() throws {
        let decoder = try LatentDecoderLoader.load(directory: EngineFixtures.model("sd-tiny-linear").appendingPathComponent("vae"))
        #expect(decoder.tiling == nil)
    }

    @Test func windowAndPasteRoundTrip() {
        let x = TensorOperationTests.random([2, 3, 7, 9], seed: 40)
        var rebuilt = Tensor(shape: x.shape)
        rebuilt.paste(x.window(rows: 0..<4, columns: 0..<9), rows: 4, columns: 9, atRow: 0, column: 0)
        rebuilt.paste(x.window(rows: 4..<7, columns: 0..<5), rows: 3, columns: 5, atRow: 4, column: 0)
        rebuilt.paste(x.window(rows: 4..<7, columns: 5..<9), rows: 3, columns: 4, atRow: 4, column: 5)
        #expect(rebuilt == x)
    }
}
