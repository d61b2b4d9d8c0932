import Foundation
import Testing
@testable import DarkroomEngine

/// fp16 and bf16 weights kept mapped at 16 bits and widened where they are used, against the same
/// values read as fp32.
@Suite struct HalfPrecisionWeightTests {
    /// Every pattern, from an odd address, with the CPU's best kernel (F16C here) and with the baseline one.
    @Test func float16WideningIsExactForEveryBitPattern() {
        let patterns = Array(0...UInt16.max)
        let bytes = [UInt8](repeating: 0, count: 1) + patterns.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        func check() {
            var widened = [Float](repeating: 0, count: patterns.count)
            bytes.withUnsafeBytes { source in
                widened.withUnsafeMutableBufferPointer {
                    HalfWidening.widenFloat16(source.baseAddress! + 1, into: $0.baseAddress!, count: patterns.count)
                }
            }
            for (bits, value) in zip(patterns, widened) {
                let expected = Float(Float16(bitPattern: bits))
                #expect(expected.isNaN ? value.isNaN : value.bitPattern == expected.bitPattern, "fp16 0x\(String(bits, radix: 16))")
            }
            // A count that leaves a tail of 5 after one vector, across the largest finite half and infinity.
            var tail = [Float](repeating: 0, count: 13)
            bytes.withUnsafeBytes { source in
                tail.withUnsafeMutableBufferPointer {
                    HalfWidening.widenFloat16(source.baseAddress! + 1 + 2 * 0x7BF9, into: $0.baseAddress!, count: 13)
                }
            }
            for (bits, value) in zip(UInt16(0x7BF9)..<0x7C06, tail) {
                let expected = Float(Float16(bitPattern: bits))
                #expect(expected.isNaN ? value.isNaN : value.bitPattern == expected.bitPattern, "tail fp16 0x\(String(bits, radix: 16))")
            }
        }
        check()
        VectorMath.withBaselineKernels(check)
    }

    @Test func bfloat16WideningIsExactAtAnyAlignment() {
        let patterns: [UInt16] = (0..<1000).map { UInt16(truncatingIfNeeded: $0 &* 40503) }
        let bytes = [UInt8](repeating: 0, count: 1) + patterns.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        var widened = [Float](repeating: 0, count: patterns.count)
        bytes.withUnsafeBytes { source in
            widened.withUnsafeMutableBufferPointer { HalfWidening.widenBFloat16(source.baseAddress! + 1, into: $0.baseAddress!, count: patterns.count) }
        }
        #expect(widened.map(\.bitPattern) == patterns.map { UInt32($0) << 16 })
    }

    /// A copy of a tiny UNet folder whose weights are stored as `dtype` (read from the fixture, rounded to
    /// `dtype`), and one whose fp32 weights hold exactly those rounded values.
    static func unetFolders(as dtype: SafeTensorsDType) throws -> (half: URL, float: URL) {
        let source = EngineFixtures.model("sd-tiny-conv").appendingPathComponent("unet")
        let file = try SafeTensorsFile(url: source.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-half-\(UUID().uuidString)")
        var folders: [URL] = []
        for (name, stored) in [("half", dtype), ("float", SafeTensorsDType.f32)] {
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
            var tensors: [(String, SafeTensorsDType, Tensor)] = []
            for name in file.entries.keys {
                let tensor = try file.tensor(named: name)
                let rounded = Tensor(shape: tensor.shape, scalars: tensor.scalars.map { dtype == .bf16 ? Float(bitPattern: $0.bitPattern & 0xFFFF_0000) : Float(Float16($0)) })
                tensors.append((name, stored, rounded))
            }
            try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent("diffusion_pytorch_model.safetensors"))
            folders.append(folder)
        }
        return (folders[0], folders[1])
    }

    @Test(arguments: [SafeTensorsDType.f16, .bf16])
    func halfUNetKeepsItsWeightsMappedAndMatchesFloatCopy(dtype: SafeTensorsDType) throws {
        let (halfFolder, floatFolder) = try Self.unetFolders(as: dtype)
        defer { try? FileManager.default.removeItem(at: halfFolder.deletingLastPathComponent()) }
        let half = try UNet2DConditionModel(directory: halfFolder)
        let float = try UNet2DConditionModel(directory: floatFolder)
        #expect(half.convIn.storedWeight.isMapped && half.convIn.storedWeight.storedByteWidth == 2)
        #expect(half.timeLinear1.storedWeight.isMapped && half.timeLinear1.storedWeight.storedByteWidth == 2)
        #expect(float.convIn.storedWeight.storedByteWidth == 4)
        #expect(half.convIn.weight == float.convIn.weight)
        let sample = TensorOperationTests.random([2, half.inChannels, 16, 16], seed: 21)
        let context = TensorOperationTests.random([2, 7, half.crossAttentionDimension], seed: 22)
        let fromHalf = half(sample, timestep: 321, context: context)
        let fromFloat = float(sample, timestep: 321, context: context)
        EngineFixtures.expectClose(fromHalf, fromFloat, "\(dtype) UNet", tolerance: 1e-6)
    }

    @Test func mappedLinearAndConvolutionMatchTheirMaterialisedCopies() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-half-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensorsWriter.write([
            ("a.weight", .f16, TensorOperationTests.random([13, 11], seed: 23)),
            ("b.weight", .bf16, TensorOperationTests.random([5, 3, 3, 3], seed: 24)),
            ("c.weight", .f32, TensorOperationTests.random([7, 13], seed: 25)),
        ], to: url)
        let weights = ComponentWeights(component: "test", file: try SafeTensorsFile(url: url))
        let linear = try weights.linear("a", input: 11, output: 13, bias: false)
        let conv = try weights.conv("b", input: 3, output: 5, kernel: 3, bias: false)
        let float = try weights.linear("c", input: 13, output: 7, bias: false)
        try weights.finishLoading()
        #expect(linear.storedWeight.isMapped && conv.storedWeight.isMapped && float.storedWeight.isMapped)
        let x = TensorOperationTests.random([3, 11], seed: 26)
        #expect(linear(x) == Linear(weight: linear.weight, bias: nil)(x))
        let image = TensorOperationTests.random([2, 3, 6, 5], seed: 27)
        #expect(conv(image) == Conv2d(weight: conv.weight, bias: nil, padding: 1)(image))
        let hidden = TensorOperationTests.random([4, 13], seed: 28)
        #expect(float(hidden) == Linear(weight: float.weight, bias: nil)(hidden))
    }

    @Test func aPatchedHalfWeightIsMaterialisedInFloat32WithThePatch() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-half-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let stored = TensorOperationTests.random([6, 5], seed: 29)
        try SafeTensorsWriter.write([("p.weight", .f16, stored), ("q.weight", .f16, stored)], to: url)
        let weights = ComponentWeights(component: "test", file: try SafeTensorsFile(url: url))
        let patch = WeightPatch(file: url.path, key: "p.lora_down.weight", up: TensorOperationTests.random([6, 2], seed: 30),
                                down: TensorOperationTests.random([2, 5], seed: 31), factor: 0.5)
        weights.addPatch(patch, to: "p.weight")
        let patched = try weights.linear("p", input: 5, output: 6, bias: false)
        let plain = try weights.linear("q", input: 5, output: 6, bias: false)
        try weights.finishLoading()
        #expect(!patched.storedWeight.isMapped && plain.storedWeight.isMapped)
        var expected = plain.weight
        try patch.apply(to: &expected)
        #expect(patched.weight == expected)
    }

    @Test func scratchPoolHandsConcurrentBorrowersDistinctBuffers() {
        let pool = ScratchPool()
        pool.withBuffer(count: 100) { outer in
            outer.update(repeating: 1, count: 100)
            pool.withBuffer(count: 50) { inner in
                #expect(inner != outer)
                inner.update(repeating: 2, count: 50)
            }
            #expect(outer[99] == 1)
        }
        #expect(pool.retainedCount >= 150)
        pool.trim()
        #expect(pool.retainedCount == 0)
    }
}
