import Foundation
import Testing
@testable import DarkroomImaging

@Suite("Thumbnails")
struct ThumbnailTests {
    @Test("Box downscale matches Pillow's BOX resize within 1", arguments: ["thumbnail-rings-16", "thumbnail-rgb-16"])
    func matchesPillow(key: String) throws {
        let expected = try #require(try PNGFixtures.expectations()[key] as? [String: Any])
        let source = try PNGCodec.decode(try PNGFixtures.data(try #require(expected["source"] as? String))).image
        let width = try #require(expected["width"] as? Int), height = try #require(expected["height"] as? Int)
        let thumbnail = Thumbnail.make(from: source, maxSide: max(width, height))
        #expect(thumbnail.width == width && thumbnail.height == height && thumbnail.channels == 3)
        let hex = Array((expected["hex"] as? String ?? "").utf8)
        let reference = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        #expect(reference.count == thumbnail.pixels.count)
        let worst = zip(reference, thumbnail.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 99
        #expect(worst <= 1)
    }

    @Test("Aspect ratio is kept and small images are not enlarged")
    func sizes() throws {
        #expect(Thumbnail.size(width: 512, height: 768, maxSide: 256) == (171, 256))
        #expect(Thumbnail.size(width: 1000, height: 10, maxSide: 64) == (64, 1))
        #expect(Thumbnail.size(width: 3, height: 2000, maxSide: 100) == (1, 100))
        #expect(Thumbnail.size(width: 40, height: 30, maxSide: 64) == (40, 30))
        let small = makeTestImage(width: 10, height: 8, channels: 4)
        #expect(Thumbnail.make(from: small, maxSide: 64) == small)
        let big = makeTestImage(width: 90, height: 45, channels: 4)
        let thumb = Thumbnail.make(from: big, maxSide: 30)
        #expect(thumb.width == 30 && thumb.height == 15 && thumb.channels == 4 && thumb.pixels.count == 30 * 15 * 4)
        #expect(try PNGCodec.decode(try PNGCodec.encode(thumb)).image == thumb)
    }

    @Test("Area averaging is exact on whole blocks and fractional coverage")
    func averaging() {
        // 4x2 RGB: left 2x2 block black, right 2x2 white → 2x1 of black, white.
        let pixels: [UInt8] = [0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255,
                               0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]
        let image = PixelImage(width: 4, height: 2, channels: 3, pixels: pixels)
        #expect(Thumbnail.make(from: image, maxSide: 2).pixels == [0, 0, 0, 255, 255, 255])
        // 3x1 → 2x1: each output covers 1.5 source pixels.
        let three = PixelImage(width: 3, height: 1, channels: 3, pixels: [0, 0, 0, 90, 90, 90, 180, 180, 180])
        #expect(AreaResampler.resize(three, width: 2, height: 1).pixels == [30, 30, 30, 150, 150, 150])
    }

    @Test("Transparent pixels do not bleed their colour into the average")
    func premultiplied() {
        let image = PixelImage(width: 2, height: 1, channels: 4, pixels: [255, 0, 0, 255, 0, 255, 0, 0])
        #expect(Thumbnail.make(from: image, maxSide: 1).pixels == [255, 0, 0, 128])
    }
}
