// Content Credentials benchmark (docs/benchmarks.md, "Content Credentials"): what signing adds to a generation.
//
//   swift build -c release --product darkroom-bench-credentials
//   .build/release/darkroom-bench-credentials [ITERATIONS] [PEER_MS_FILE]
//
// For a 64x64 picture (the shipped model's size) and a 512x512 one it times what `generate` adds:
// loading a signer (a PEM certificate chain and key, as `credentials.certificate`/`credentials.key` are
// read; the library's own keys add one XChaCha20-Poly1305 open of ~100 bytes), building and signing the
// manifest and embedding it (PNGCredentials.sign, which hashes the file), and verifying the result (the
// verdict is recorded with the picture). Prints the median of each and their sum, and the ratio against
// the C2PA reference (c2pa-python's Builder.sign on the same files, measured by peer.py in the same run).
// Depends only on DarkroomCredentials, so a release build of it compiles no server stack.
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
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures/credentials")
let chainPEM = try String(contentsOf: fixtures.appendingPathComponent("signer.cert.pem"), encoding: .utf8)
    + (try String(contentsOf: fixtures.appendingPathComponent("ca.cert.pem"), encoding: .utf8))
let keyPEM = try String(contentsOf: fixtures.appendingPathComponent("signer.key.pem"), encoding: .utf8)
let anchors = CredentialsVerifier.anchors(fromPEM: try String(contentsOf: fixtures.appendingPathComponent("ca.cert.pem"), encoding: .utf8))
let software = GeneratorInfo(name: "Darkroom", version: "bench")
let definition = ManifestDefinition(
    generator: software, title: "darkroom-bench.png",
    actions: [ManifestAction(action: ManifestAction.created, digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia,
                             softwareAgent: software)],
    assertions: [CustomAssertion(label: "app.darkroom.generation", content: .map([CBOR.Pair("seed", 7), CBOR.Pair("steps", 8)]))])

print("Content Credentials, median of \(iterations) runs each (ms)")
print("size      signer   sign+embed  verify   total   | reference sign  ratio")
for side in [64, 512] {
    let png = try picture(side: side)
    let identity = try SigningIdentity(certificatesPEM: chainPEM, keyPEM: keyPEM)
    let load = try await median({ _ = try SigningIdentity(certificatesPEM: chainPEM, keyPEM: keyPEM) }, iterations: iterations)
    let sign = try await median({ _ = try PNGCredentials.sign(png, definition: definition, identity: identity) }, iterations: iterations)
    let signed = try PNGCredentials.sign(png, definition: definition, identity: identity)
    let verify = await median({ _ = await CredentialsVerifier(trustAnchors: anchors).verify(signed) }, iterations: iterations)
    let total = load + sign + verify
    let reference = peer["\(side)"]
    let ratio = reference.map { String(format: "%.2fx faster", $0 / total) } ?? "(no peer figure)"
    print(String(format: "%-8@ %7.3f  %10.3f  %7.3f  %6.3f   | %14@  %@", "\(side)x\(side)" as NSString, load, sign, verify, total,
                 (reference.map { String(format: "%.3f", $0) } ?? "-") as NSString, ratio as NSString))
}
