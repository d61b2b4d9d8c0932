// darkroom-bench-engine: times the engine's UNet, TAESD and AutoencoderKL decoders and CLIP text encoder
// at real sizes with random weights, against the OpenBLAS sgemm peak measured in the same run.
// Usage: darkroom-bench-engine [--threads N] [--repeats R] [--only unet|taesd|kl|clip|generation|kl-1024|kl-1024-tiled]
//        darkroom-bench-engine --model-dir DIR [--threads N]
// (`generation` and `kl-1024[-tiled]` run only when asked: a whole 8-step generation, or a 1024x1024 decoding whole
// or in tiles, for time and peak resident memory;
// `--model-dir` runs one whole 8-step 512x512 DDIM generation from a diffusers folder, e.g. the fp16
// folder of make-fp16-model.py, and prints its peak resident memory (VmHWM); see generation-memory.sh.)
// The PyTorch / ONNX Runtime figures come from peer.py with the same configs and thread count.
import DarkroomEngine
import Foundation

let arguments = BenchmarkArguments(CommandLine.arguments)
BLASBackend.setThreadCount(arguments.threads)
let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("configs")

print("darkroom-bench-engine  engine \(DarkroomEngineInfo.version)")
if let directory = arguments.modelDirectory {
    try await FolderGeneration.run(directory: URL(fileURLWithPath: directory))
    exit(0)
}
print("BLAS core: \(BLASBackend.coreName), threads: \(BLASBackend.threadCount), repeats: \(arguments.repeats)")
let peak = BLASBackend.measureSgemmRate(size: 1024, repeats: 5)
print(String(format: "sgemm 1024^3 peak through the engine's BLAS: %.1f GFLOP/s", peak))

var rows: [BenchmarkRow] = []
if arguments.includes("unet") {
    let unet = try UNet2DConditionModel(configURL: configs.appendingPathComponent("unet-tiny-sd.json"), randomWeightsSeed: 1)
    let sample = BenchmarkInput.random([2, 4, 64, 64], seed: 2)
    let context = BenchmarkInput.random([2, 77, 768], seed: 3)
    rows.append(BenchmarkRow.time("UNet tiny-sd, batch 2, 64x64 latents, 77 tokens", repeats: arguments.repeats) {
        _ = unet(sample, timestep: 500, context: context)
    })
}
if arguments.includes("taesd") {
    let decoder = try LatentDecoderLoader.load(configURL: configs.appendingPathComponent("taesd.json"), randomWeightsSeed: 4)
    let latents = BenchmarkInput.random([1, 4, 64, 64], seed: 5)
    rows.append(BenchmarkRow.time("TAESD decoder, 64x64 latents -> 512x512", repeats: arguments.repeats) {
        _ = decoder.decode(latents)
    })
}
if arguments.includes("kl") {
    let decoder = try LatentDecoderLoader.load(configURL: configs.appendingPathComponent("vae-kl.json"), randomWeightsSeed: 8)
    let latents = BenchmarkInput.random([1, 4, 64, 64], seed: 9)
    rows.append(BenchmarkRow.time("AutoencoderKL decoder, 64x64 latents -> 512x512", repeats: max(1, arguments.repeats - 1)) {
        _ = decoder.decode(latents)
    })
}
if arguments.includes("clip") {
    let encoder = try CLIPTextModel(configURL: configs.appendingPathComponent("clip-vit-l.json"), randomWeightsSeed: 6)
    let tokens: [[Int32]] = [(0..<77).map { Int32(($0 * 7919) % 49408) }]
    rows.append(BenchmarkRow.time("CLIP ViT-L text encoder, 77 tokens", repeats: arguments.repeats) {
        _ = encoder.encode(tokens)
    })
}
if let only = arguments.only, only.hasPrefix("kl-1024") {
    // The AutoencoderKL decoder on 128x128 latents (a 1024x1024 picture), whole or in tiles (`kl-1024-tiled`),
    // run alone so the peak resident memory is its own.
    let tiled = only == "kl-1024-tiled"
    let decoder = try LatentDecoderLoader.load(configURL: configs.appendingPathComponent("vae-kl.json"), randomWeightsSeed: 8)
    let latents = BenchmarkInput.random([1, 4, 128, 128], seed: 9)
    rows.append(BenchmarkRow.time("AutoencoderKL decoder, 128x128 latents -> 1024x1024, \(tiled ? "tiled" : "whole")",
                                  repeats: 1, warmUp: false) {
        _ = decoder.decode(latents, tiled: tiled)
    })
}
if arguments.only == "generation" {
    // A whole 8-step CFG generation at the tiny-sd shape (CLIP ViT-L + UNet + TAESD, all loaded at
    // once, DDIM-style update), for peak resident memory; run alone so the figure is its own.
    let encoder = try CLIPTextModel(configURL: configs.appendingPathComponent("clip-vit-l.json"), randomWeightsSeed: 6)
    let unet = try UNet2DConditionModel(configURL: configs.appendingPathComponent("unet-tiny-sd.json"), randomWeightsSeed: 1)
    let decoder = try LatentDecoderLoader.load(configURL: configs.appendingPathComponent("taesd.json"), randomWeightsSeed: 4)
    let tokens: [[Int32]] = [(0..<77).map { Int32(($0 * 7919) % 49408) }, (0..<77).map { Int32(($0 * 104729) % 49408) }]
    rows.append(BenchmarkRow.time("Generation, 8 steps CFG, 512x512 (CLIP + 8 UNet batch 2 + TAESD)", repeats: 1, warmUp: false) {
        let context = encoder.encode(tokens)
        var latents = BenchmarkInput.random([1, 4, 64, 64], seed: 7)
        for step in 0..<8 {
            let prediction = unet(Tensor.concatenateBatch([latents, latents]), timestep: Float(875 - 125 * step), context: context)
            let half = latents.count
            for i in 0..<half {
                let guided = prediction.scalars[i] + 7.5 * (prediction.scalars[half + i] - prediction.scalars[i])
                latents.scalars[i] = 0.9 * latents.scalars[i] - 0.1 * guided
            }
        }
        _ = decoder.decode(latents)
    })
}
for row in rows { print(row.line(peak: peak)) }
print(ResidentMemory.summary())
