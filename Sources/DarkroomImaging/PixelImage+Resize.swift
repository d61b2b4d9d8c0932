extension PixelImage {
    /// The image resized to `width` x `height` by area averaging (each output pixel the mean of the source area it
    /// covers; nearest source pixel when enlarging), alpha premultiplied. The image itself when the size is the same.
    public func resized(width: Int, height: Int) -> PixelImage {
        AreaResampler.resize(self, width: width, height: height)
    }
}
