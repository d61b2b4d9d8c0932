import Foundation
import Testing
@testable import DarkroomEngine

/// Paths to the committed engine fixtures and the tolerance used against diffusers.
enum EngineFixtures {
    /// `Fixtures/engine` in the repository.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/engine")

    /// The tiny pipelines built by `make_goldens.py`.
    static let pipelines = ["sd-tiny-conv", "sd-tiny-linear"]

    /// A tiny pipeline's folder.
    static func model(_ name: String) -> URL { root.appendingPathComponent(name) }

    /// The reference tensors recorded for a pipeline.
    static func goldens(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(url: root.appendingPathComponent("goldens/\(name).safetensors"))
    }

    /// Fraction of channel values within 1/255 of the reference, and the worst difference (the pictures' criterion).
    static func agreement(_ pixels: [UInt8], _ reference: Tensor) -> (fraction: Double, worst: Int) {
        var within = 0
        var worst = 0
        for (a, b) in zip(pixels, reference.scalars) {
            let difference = abs(Int(a) - Int(b))
            worst = max(worst, difference)
            if difference <= 1 { within += 1 }
        }
        return (Double(within) / Double(max(1, reference.count)), worst)
    }

    /// The relative tolerance: every element satisfies |a - b| <= 1e-4 * max(1, max|reference|).
    static func expectClose(_ actual: Tensor, _ reference: Tensor, _ label: String,
                            tolerance: Float = 1e-4, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.shape == reference.shape, "\(label): shape", sourceLocation: sourceLocation)
        guard actual.shape == reference.shape else { return }
        let bound = tolerance * max(1, reference.maxAbsolute)
        var worst: Float = 0
        for i in 0..<actual.count { worst = max(worst, abs(actual.scalars[i] - reference.scalars[i])) }
        #expect(worst <= bound, "\(label): max |diff| \(worst) > \(bound)", sourceLocation: sourceLocation)
    }
}
