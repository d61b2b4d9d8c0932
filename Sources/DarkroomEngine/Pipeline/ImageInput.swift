/// The input picture and mask prepared as diffusers' `VaeImageProcessor` prepares them.
enum ImageInput {
    /// `[1, 3, H, W]` in [-1, 1]: each byte `p` becomes `2 · (p / 255) − 1` in float32, the two roundings
    /// of `pil_to_numpy` (`/ 255.0`) followed by `normalize` (`2 x − 1`).
    static func signedUnitTensor(_ image: RGBImage) -> Tensor {
        let plane = image.width * image.height
        var scalars = [Float](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            for c in 0..<3 {
                let unit = Float(image.pixels[i * 3 + c]) / 255
                scalars[c * plane + i] = 2 * unit - 1
            }
        }
        return Tensor(shape: [1, 3, image.height, image.width], scalars: scalars)
    }

    /// The mask binarised as the mask processor does (`do_binarize`): values below 0.5 become 0, the rest 1.
    static func binarised(_ mask: [Float]) -> [Float] {
        mask.map { $0 < 0.5 ? 0 : 1 }
    }

    /// `F.interpolate(mask, size: (height / factor, width / factor))` (mode "nearest") of a binarised
    /// full-size mask: `[1, 1, height / factor, width / factor]`. Each latent pixel takes the source pixel
    /// at `min(floor(index · scale), size − 1)` with the float32 scale `size / outputSize`, as torch does.
    static func latentMask(_ binary: [Float], width: Int, height: Int, factor: Int) -> Tensor {
        let (outWidth, outHeight) = (width / factor, height / factor)
        func source(_ index: Int, size: Int, outputSize: Int) -> Int {
            let scale = Float(size) / Float(outputSize)
            return min(Int((Float(index) * scale).rounded(.down)), size - 1)
        }
        var scalars = [Float](repeating: 0, count: outWidth * outHeight)
        for y in 0..<outHeight {
            let sourceY = source(y, size: height, outputSize: outHeight)
            for x in 0..<outWidth {
                scalars[y * outWidth + x] = binary[sourceY * width + source(x, size: width, outputSize: outWidth)]
            }
        }
        return Tensor(shape: [1, 1, outHeight, outWidth], scalars: scalars)
    }

    /// `image * (mask < 0.5)`: the picture with the repainted area set to 0 (mid grey in [-1, 1]).
    static func maskedImage(_ image: Tensor, binary: [Float]) -> Tensor {
        let plane = binary.count
        var masked = image
        for c in 0..<image.shape[1] {
            for i in 0..<plane where binary[i] >= 0.5 { masked.scalars[c * plane + i] *= 0 }
        }
        return masked
    }
}
