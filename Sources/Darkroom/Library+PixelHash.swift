import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import Foundation

extension Library {
    /// The SHA-256 of a picture's pixels, hex: the same for every file showing the same pixels, whatever
    /// metadata or PNG encoding it has (``PNGCodec`` decodes to 8-bit RGB, or RGBA with transparency).
    /// `image.pixel_hash` stores it (schema step 0009).
    public static func pixelHash(_ image: PixelImage) -> String {
        var data = Data("\(image.width)x\(image.height)x\(image.channels)\n".utf8)
        data.append(contentsOf: image.pixels)
        return ContentHash.sha256Hex(data)
    }

    /// Records the pixel hash of the stored picture `imageHash` (when not known yet).
    public func recordPixelHash(of pixels: PixelImage, forImage imageHash: String) async throws {
        guard !isReadOnly else { return }
        let hash = Self.pixelHash(pixels)
        try await database.recordPixelHash(hash, forImage: imageHash)
    }

    /// The oldest generation whose picture shows exactly these pixels under other bytes (another file's
    /// metadata or encoding: a `--no-prompt` export brought back), if any. Only pictures whose pixel hash is
    /// known are found: those exported without prompts, or imported, since schema step 0009.
    public func generation(showingPixels pixels: PixelImage) async throws -> GenerationID? {
        try await generation(showingPixelHash: Self.pixelHash(pixels))
    }

    /// ``generation(showingPixels:)`` for pixels whose ``pixelHash(_:)`` is `hash`.
    func generation(showingPixelHash hash: String) async throws -> GenerationID? {
        try await database.generation(showingPixelHash: hash)
    }
}
