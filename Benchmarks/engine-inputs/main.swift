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

_ = try DiffusionPipeline(modelDirectory: model)   // the first load reads the files from disk
var loads: [[Double]] = [[], []]
for _ in 0..<iterations {
    loads[0].append(try await median(1) { _ = try DiffusionPipeline(modelDirectory: model) })
    loads[1].append(try await median(1) { _ = try DiffusionPipeline(modelDirectory: model, loras: [LoRAReference(url: lora, scale: 0.8)]) })
}
let (loadPlain, loadLoRA) = (loads[0].sorted()[iterations / 2], loads[1].sorted()[iterations / 2])
let plain = try DiffusionPipeline(modelDirectory: model)
let withLoRA = try DiffusionPipeline(modelDirectory: model, loras: [LoRAReference(url: lora, scale: 0.8)])
let base = GenerationParameters(prompt: "a red circle above a blue square", seed: 7, steps: 8, guidanceScale: 3,
                                scheduler: .eulerAncestral, width: 64, height: 64)
let start = try await picture(plain, base)
let mask = (0..<(64 * 64)).map { index in Float(index % 64 < 32 ? 1 : 0) }   // repaint the left half

var image = base
image.initImage = start
image.strength = 1
var imagePart = image
imagePart.strength = 0.75
var inpaint = imagePart
inpaint.mask = mask
// Interleaved: each round runs every case once, so a busy moment of the machine hits them all alike.
let cases: [(name: String, pipeline: DiffusionPipeline, parameters: GenerationParameters)] = [
    ("text-to-image", plain, base), ("with the LoRA", withLoRA, base),
    ("image-to-image, strength 1 (8 steps + encode)", plain, image),
    ("image-to-image, strength 0.75 (6 steps + encode)", plain, imagePart), ("inpainting, strength 0.75", plain, inpaint),
]
for item in cases { _ = try await picture(item.pipeline, item.parameters) }   // warm-up (the encoder loads on first use)
var times = [[Double]](repeating: [], count: cases.count)
for _ in 0..<iterations {
    for (index, item) in cases.enumerated() {
        let begin = DispatchTime.now().uptimeNanoseconds
        _ = try await picture(item.pipeline, item.parameters)
        times[index].append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6)
    }
}
let medians = times.map { $0.sorted()[$0.count / 2] }
let text = medians[0]

print("Engine inputs on \(model.lastPathComponent), 64x64, 8 steps, median of \(iterations) (ms)")
print(String(format: "load: %.1f; with a rank-8 LoRA: %.1f (+%.1f)", loadPlain, loadLoRA, loadLoRA - loadPlain))
for (item, time) in zip(cases, medians) {
    print(String(format: "%-48@ %7.1f  (%+.1f, %.2fx text-to-image)", item.name as NSString, time, time - text, time / text))
}
