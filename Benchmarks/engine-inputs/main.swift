// What image-to-image, inpainting and LoRA add over plain text-to-image (docs/benchmarks.md, "Engine inputs").
//
//   bash Benchmarks/engine-inputs/run.sh [ITERATIONS]
//
// On the shipped model (Fixtures/models/darkroom-shapes-v1, 64x64, 8 steps, Euler a) it times, median of ITERATIONS:
// loading the model without and with a rank-8 LoRA on every attention projection of the UNet and text encoder
// (made by make-lora.py), and one picture each as text-to-image, with the LoRA, image-to-image at strength 1
// (all 8 steps plus encoding the starting picture), image-to-image at 0.75 (6 steps) and inpainting at 0.75.
import DarkroomEngine
import Foundation

func median(_ iterations: Int, _ body: () async throws -> Void) async rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<iterations {
        let start = DispatchTime.now().uptimeNanoseconds
        try await body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[times.count / 2]
}

func picture(_ pipeline: DiffusionPipeline, _ parameters: GenerationParameters) async throws -> RGBImage {
    for try await event in pipeline.generate(parameters) { if case .finished(let result) = event { return result.image } }
    throw CancellationError()
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { print("usage: darkroom-bench-engine-inputs MODEL LORA [ITERATIONS]"); exit(64) }
let model = URL(fileURLWithPath: arguments[1]), lora = URL(fileURLWithPath: arguments[2])
let iterations = arguments.count > 3 ? Int(arguments[3]) ?? 20 : 20

let loadPlain = try await median(iterations) { _ = try DiffusionPipeline(modelDirectory: model) }
let loadLoRA = try await median(iterations) { _ = try DiffusionPipeline(modelDirectory: model, loras: [LoRAReference(url: lora, scale: 0.8)]) }
let plain = try DiffusionPipeline(modelDirectory: model)
let withLoRA = try DiffusionPipeline(modelDirectory: model, loras: [LoRAReference(url: lora, scale: 0.8)])
var base = GenerationParameters(prompt: "a red circle above a blue square", seed: 7, steps: 8, guidanceScale: 3,
                                scheduler: .eulerAncestral, width: 64, height: 64)
let start = try await picture(plain, base)
let mask = (0..<(64 * 64)).map { index in Float(index % 64 < 32 ? 1 : 0) }   // repaint the left half

let text = try await median(iterations) { _ = try await picture(plain, base) }
let loraRun = try await median(iterations) { _ = try await picture(withLoRA, base) }
var image = base
image.initImage = start
image.strength = 1
let imageFull = try await median(iterations) { _ = try await picture(plain, image) }
image.strength = 0.75
let imagePart = try await median(iterations) { _ = try await picture(plain, image) }
var inpaint = image
inpaint.mask = mask
let inpaintRun = try await median(iterations) { _ = try await picture(plain, inpaint) }
_ = base.steps

print("Engine inputs on \(model.lastPathComponent), 64x64, 8 steps, median of \(iterations) (ms)")
print(String(format: "load: %.1f; with a rank-8 LoRA: %.1f (+%.1f)", loadPlain, loadLoRA, loadLoRA - loadPlain))
for (name, time) in [("text-to-image", text), ("with the LoRA", loraRun), ("image-to-image, strength 1 (8 steps + encode)", imageFull),
                     ("image-to-image, strength 0.75 (6 steps + encode)", imagePart), ("inpainting, strength 0.75", inpaintRun)] {
    print(String(format: "%-48@ %7.1f  (%+.1f, %.2fx text-to-image)", name as NSString, time, time - text, time / text))
}
