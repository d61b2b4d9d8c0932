// Content Credentials benchmark (docs/benchmarks.md, "Content Credentials"): what signing adds to a generation.
//
//   swift build -c release --product darkroom-bench-credentials
//   .build/release/darkroom-bench-credentials [ITERATIONS] [PEER_MS_FILE]
//
// For a 64x64 picture (the shipped model's size) and a 512x512 one it times, as `generate` does them:
// loading the library's signer (the sealed keys and certificates), building and signing the manifest
// and embedding it (PNGCredentials.sign, which hashes the file), and verifying the result (recorded with
// the picture). Prints the median of each and their sum, and the ratio against the C2PA reference
// (c2pa-python's Builder.sign on the same files, measured by peer.py in the same run).
import Darkroom
import DarkroomCredentials
import DarkroomImaging
import Foundation

func median(_ body: () async throws -> Void, iterations: Int) async rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<iterations {
        let start = DispatchTime.now().uptimeNanoseconds
        try await body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[times.count / 2]
}

func picture(side: Int) throws -> [UInt8] {
    var state: UInt64 = 7
    let pixels = (0..<(side * side * 3)).map { index -> UInt8 in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: (index / 3 % side) &+ Int(state >> 61))   // a gradient with a little noise
    }
    let chunks = [PNGTextChunk(keyword: "parameters", text: "a red circle above a blue square\nSteps: 8, Seed: 7")]
    return [UInt8](try PNGCodec.encode(PixelImage(width: side, height: side, channels: 3, pixels: pixels), textChunks: chunks))
}

let arguments = CommandLine.arguments
let iterations = arguments.count > 1 ? Int(arguments[1]) ?? 200 : 200
let peer: [String: Double] = arguments.count > 2
    ? ((try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: arguments[2])))) as? [String: Double] ?? [:]) : [:]
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-bench-credentials-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: scratch) }
let library = try Library.open(at: scratch.appendingPathComponent("library"), create: true,
                               keyDirectory: scratch.appendingPathComponent("keys"))
let definition = ManifestDefinition(
    generator: DarkroomSoftware.info, title: "darkroom-bench.png",
    actions: [ManifestAction(action: ManifestAction.created, digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia,
                             softwareAgent: DarkroomSoftware.info)],
    assertions: [CustomAssertion(label: "app.darkroom.generation", content: .map([CBOR.Pair("seed", 7), CBOR.Pair("steps", 8)]))])

print("Content Credentials, median of \(iterations) runs each (ms)")
print("size      signer   sign+embed  verify   total   | reference sign  ratio")
for side in [64, 512] {
    let png = try picture(side: side)
    let identity = try await library.credentialsSigner()
    let load = try await median({ _ = try await library.credentialsSigner() }, iterations: iterations)
    let sign = try await median({ _ = try PNGCredentials.sign(png, definition: definition, identity: identity) }, iterations: iterations)
    let signed = try PNGCredentials.sign(png, definition: definition, identity: identity)
    let verify = await median({ _ = await library.credentials(ofFile: Data(signed)) }, iterations: iterations)
    let total = load + sign + verify
    try Data(png).write(to: scratch.appendingPathComponent("bench-\(side).png"))
    let reference = peer["\(side)"]
    let ratio = reference.map { String(format: "%.2fx faster", $0 / total) } ?? "(no peer figure)"
    print(String(format: "%-8@ %7.3f  %10.3f  %7.3f  %6.3f   | %14@  %@", "\(side)x\(side)" as NSString, load, sign, verify, total,
                 (reference.map { String(format: "%.3f", $0) } ?? "-") as NSString, ratio as NSString))
}
