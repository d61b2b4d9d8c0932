import Foundation
import Testing
@testable import DarkroomEngine

/// int8 weights as `scripts/quantize-int8.py` writes them (`Fixtures/engine/sd-tiny-conv-int8`, every `*.weight`
/// of two or more dimensions quantised per output channel): read at one byte per element, widened with their
/// scales, and the pictures they make measured against diffusers' fp32 ones.
struct Int8WeightTests {
    static let folder = EngineFixtures.model("sd-tiny-conv-int8")

    @Test func int8WeightsStayMappedAndWidenToTheirScaledValues() throws {
        let unet = try UNet2DConditionModel(directory: Self.folder.appendingPathComponent("unet"))
        #expect(unet.convIn.storedWeight.isMapped && unet.convIn.storedWeight.storedByteWidth == 1)
        let file = try SafeTensorsFile(url: Self.folder.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
        let name = "conv_in.weight"
        let entry = try #require(file.entries[name])
        #expect(entry.dtype == .i8)
        // The mapped path (row-parallel C kernel) and the read path (scalar) agree, and both are q x scale.
        let widened = unet.convIn.weight
        #expect(widened == (try file.tensor(named: name)))
        let scales = try file.tensor(named: SafeTensorsFile.int8ScaleName(of: name))
        let rowLength = entry.shape.dropFirst().reduce(1, *)
        let bytes = try Data(contentsOf: Self.folder.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
        let headerLength = Int(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        let start = 8 + headerLength + entry.byteRange.lowerBound
        for index in [0, 1, rowLength - 1, rowLength, widened.count - 1] {
            let q = Int8(bitPattern: bytes[start + index])
            #expect(widened.scalars[index] == Float(q) * scales.scalars[index / rowLength])
        }
        // The quantisation is fine-grained: every scaled value is within half a step of a value the fp32 file holds.
        let original = try SafeTensorsFile(url: EngineFixtures.model("sd-tiny-conv").appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
            .tensor(named: name)
        for index in 0..<widened.count {
            #expect(abs(widened.scalars[index] - original.scalars[index]) <= scales.scalars[index / rowLength] * 0.5001)
        }
    }

    /// The accuracy loss, as PSNR of the int8 pipeline's DDIM picture against diffusers' fp32 golden (recorded
    /// in docs/benchmarks-engine.md with the shipped model's figure).
    @Test func int8PipelineStaysCloseToTheFloatPicture() async throws {
        let model = try DiffusionPipeline(modelDirectory: Self.folder)
        let run = try #require(try DiffusionPipelineTests.cases("sd-tiny-conv").first)
        let result = try await model.run(try DiffusionPipelineTests.parameters(run)) { _ in }
        let reference = try EngineFixtures.goldens("sd-tiny-conv").tensor(named: run.pixels)
        var squared = 0.0
        for (a, b) in zip(result.image.pixels, reference.scalars) { squared += pow(Double(a) - Double(b), 2) }
        let psnr = 10 * log10(255 * 255 / max(1e-12, squared / Double(reference.count)))
        #expect(psnr >= 40, "int8 PSNR \(psnr) dB")
        #expect(result.image.pixels.map(Float.init) != reference.scalars)  // quantised, not the fp32 weights
    }

    @Test func anInt8WeightWithoutItsScalesIsRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-int8-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let q = Tensor(shape: [2, 3], scalars: [1, -2, 3, 127, -127, 0])
        try SafeTensorsWriter.write([("w", .i8, q), ("v", .i8, q), ("v_scale", .f32, Tensor(shape: [3], scalars: [1, 1, 1]))], to: url)
        let file = try SafeTensorsFile(url: url)
        for name in ["w", "v"] {  // no scales; scales of the wrong shape
            #expect(file.mappedElements(named: name) == nil)
            #expect(throws: ModelLoadError.self) { try file.tensor(named: name) }
            do { _ = try file.tensor(named: name) } catch { #expect("\(error)".contains("\(name)_scale")) }
        }
        try SafeTensorsWriter.write([("w", .i8, q), ("w_scale", .f32, Tensor(shape: [2], scalars: [0.5, 2]))], to: url)
        #expect(try SafeTensorsFile(url: url).tensor(named: "w").scalars == [0.5, -1, 1.5, 254, -254, 0])
    }
}
