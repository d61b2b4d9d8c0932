/// Small previews of images for listings and the library's thumbnail column.
public enum Thumbnail {
    /// The size an image of `width` x `height` takes when its longer side is
    /// brought to `maxSide`, keeping the aspect ratio (each side at least 1).
    /// Images already within `maxSide` keep their size.
    public static func size(width: Int, height: Int, maxSide: Int) -> (width: Int, height: Int) {
        let limit = max(1, maxSide)
        let longer = max(width, height)
        guard longer > limit else { return (width, height) }
        let scale = Double(limit) / Double(longer)
        return (max(1, min(limit, Int((Double(width) * scale).rounded()))),
                max(1, min(limit, Int((Double(height) * scale).rounded()))))
    }

    /// `image` downscaled by area averaging (box filter) so that its longer
    /// side is at most `maxSide`, preserving the aspect ratio and the channel
    /// count. Never upscales: a smaller image is returned unchanged. The caller
    /// encodes the result (e.g. `PNGCodec.encode(thumbnail)`).
    public static func make(from image: PixelImage, maxSide: Int) -> PixelImage {
        let target = size(width: image.width, height: image.height, maxSide: maxSide)
        return AreaResampler.resize(image, width: target.width, height: target.height)
    }
}
