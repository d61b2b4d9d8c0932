/// Decoding latents in overlapping tiles, as diffusers' `AutoencoderKL.tiled_decode` (after `enable_tiling()`;
/// A1111 and InvokeAI call it tiled VAE): the decoder runs on latent tiles of its training size (`sample_size`
/// pixels), each tile overlapping its neighbours by a quarter; the overlap is cross-faded, top into bottom and left
/// into right, and each tile keeps its first three quarters. Working memory is then one tile's decoding (a 512x512
/// pass for SD-1.5) whatever the picture's size, and the result matches diffusers' tiled decoding; it is not the
/// whole-latent decoding, whose mid-block attention and group norms see the whole picture.
public struct DecoderTiling: Sendable, Equatable {
    /// A tile's side in latent pixels (diffusers' `tile_latent_min_size`).
    public let latentTile: Int
    /// A tile's side in image pixels (`tile_sample_min_size`, the VAE's `sample_size`).
    public let pixelTile: Int

    /// The tiling of a VAE trained on `sampleSize`-pixel pictures, or nil where diffusers' arithmetic would not
    /// give whole tiles (a tile side that is not a multiple of 4 latent pixels, or a size the factor does not
    /// divide): such a decoder decodes whole.
    public init?(sampleSize: Int, downsamplingFactor: Int) {
        let latent = sampleSize / downsamplingFactor
        guard latent > 0, latent * downsamplingFactor == sampleSize, latent % 4 == 0 else { return nil }
        latentTile = latent
        pixelTile = sampleSize
    }

    /// Latent pixels from one tile's start to the next (diffusers' `overlap_size`, three quarters of a tile).
    var latentStride: Int { latentTile * 3 / 4 }
    /// Image pixels cross-faded between neighbours (`blend_extent`, a quarter of a tile).
    var blendPixels: Int { pixelTile / 4 }
    /// Image pixels each tile contributes along each axis (`row_limit`).
    var keptPixels: Int { pixelTile - blendPixels }

    /// Whether latents of this size are decoded in tiles (either side longer than one tile, as diffusers).
    public func applies(latentHeight: Int, latentWidth: Int) -> Bool {
        latentHeight > latentTile || latentWidth > latentTile
    }

    /// Decodes `latents` (`[N, C, h, w]`) tile by tile through `decodeTile`, which maps a latent tile to its
    /// `factor`-times larger image; one row of decoded tiles is held for the blend with the row below.
    func decode(_ latents: Tensor, factor: Int, decodeTile: (Tensor) -> Tensor) -> Tensor {
        precondition(latents.rank == 4, "DecoderTiling: latents \(latents.shape)")
        let (height, width) = (latents.shape[2], latents.shape[3])
        var output: Tensor?
        var above: [Tensor] = []
        for top in stride(from: 0, to: height, by: latentStride) {
            var row: [Tensor] = []
            for left in stride(from: 0, to: width, by: latentStride) {
                var tile = decodeTile(latents.window(rows: top..<min(top + latentTile, height),
                                                     columns: left..<min(left + latentTile, width)))
                if !above.isEmpty { Self.crossFade(from: above[row.count], into: &tile, alongRows: true, extent: blendPixels) }
                if let previous = row.last { Self.crossFade(from: previous, into: &tile, alongRows: false, extent: blendPixels) }
                if output == nil {
                    output = Tensor(shape: [tile.shape[0], tile.shape[1], height * factor, width * factor])
                }
                output!.paste(tile, rows: min(keptPixels, tile.shape[2]), columns: min(keptPixels, tile.shape[3]),
                              atRow: top / latentStride * keptPixels, column: left / latentStride * keptPixels)
                row.append(tile)
            }
            above = row
        }
        return output!
    }

    /// diffusers' `blend_v` (`alongRows`) or `blend_h`: the first `extent` rows (columns) of `tile` fade in from
    /// the last ones of `previous`, with weights `k / extent` computed in double precision and rounded, as torch
    /// does with a Python scalar.
    static func crossFade(from previous: Tensor, into tile: inout Tensor, alongRows: Bool, extent limit: Int) {
        let axis = alongRows ? 2 : 3
        let extent = min(previous.shape[axis], tile.shape[axis], limit)
        let planes = tile.shape[0] * tile.shape[1]
        let (height, width) = (tile.shape[2], tile.shape[3])
        let (previousHeight, previousWidth) = (previous.shape[2], previous.shape[3])
        for k in 0..<extent {
            let weight = Float(Double(k) / Double(extent)), fade = Float(1 - Double(k) / Double(extent))
            for plane in 0..<planes {
                let count = alongRows ? width : height
                for i in 0..<count {
                    let (y, x) = alongRows ? (k, i) : (i, k)
                    let (py, px) = alongRows ? (previousHeight - extent + k, i) : (i, previousWidth - extent + k)
                    let target = (plane * height + y) * width + x
                    let source = previous.scalars[(plane * previousHeight + py) * previousWidth + px]
                    tile.scalars[target] = source * fade + tile.scalars[target] * weight
                }
            }
        }
    }
}
