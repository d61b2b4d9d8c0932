import Darkroom
import DarkroomImaging
import Foundation

/// A generator for tests: paints a deterministic picture from the request (no model), reporting each step.
///
/// It is defined here, in the test target, on purpose: the product ships no fake generator.
struct TestGenerator: ImageGenerator {
    enum Behaviour: Sendable { case succeed, failAt(step: Int), waitForCancellation(afterStep: Int) }

    var modelID = "test-painter"
    var behaviour: Behaviour = .succeed
    /// Paint the whole picture one skin-like colour (to exercise the safety detector).
    var skinColoured = false

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GeneratorEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for step in 1...request.steps {
                        try Task.checkCancellation()
                        switch behaviour {
                        case .failAt(let bad) where step == bad:
                            throw TestGeneratorError.brokeAtStep(step)
                        case .waitForCancellation(let after) where step > after:
                            while true { try await Task.sleep(nanoseconds: 5_000_000) }
                        default: break
                        }
                        continuation.yield(.progress(step: step, total: request.steps, preview: nil))
                    }
                    continuation.yield(.completed(GeneratedImage(
                        image: skinColoured ? Self.skin(request) : Self.paint(request), modelID: modelID, modelHash: String(repeating: "7", count: 64),
                        engineVersion: "test-1", rngKind: "test-rng", schedulerConfig: "{\"kind\":\"\(request.scheduler)\"}")))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A flat peach picture: every pixel in the skin-tone box.
    static func skin(_ request: GenerationRequest) -> PixelImage {
        PixelImage(width: request.width, height: request.height, channels: 3,
                   pixels: Array([UInt8]([224, 172, 140]).lazy.cycled(request.width * request.height)))
    }

    /// A gradient whose colours depend on the seed.
    static func paint(_ request: GenerationRequest) -> PixelImage {
        var pixels = [UInt8](repeating: 0, count: request.width * request.height * 3)
        let s = UInt8(truncatingIfNeeded: request.seed)
        for y in 0..<request.height {
            for x in 0..<request.width {
                let i = (y * request.width + x) * 3
                pixels[i] = UInt8(truncatingIfNeeded: x * 4) &+ s
                pixels[i + 1] = UInt8(truncatingIfNeeded: y * 4)
                pixels[i + 2] = s
            }
        }
        return PixelImage(width: request.width, height: request.height, channels: 3, pixels: pixels)
    }
}

enum TestGeneratorError: Error, CustomStringConvertible {
    case brokeAtStep(Int)
    var description: String { if case .brokeAtStep(let s) = self { return "the test generator broke at step \(s)" }; return "" }
}

/// A fresh temporary library folder.
struct TemporaryLibrary {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-lib-\(UUID().uuidString)")
    }
    func open() async throws -> Library { try await Library.open(at: url, create: true) }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// The shipped model's folder in the checkout.
let shippedModelFolder = fixturesFolder.appendingPathComponent("models/\(ModelLocator.defaultModelName)")

/// The repository's `Fixtures/` folder.
let fixturesFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

func request(_ prompt: String = "a red circle", seed: UInt64 = 7, steps: Int = 4) -> GenerationRequest {
    GenerationRequest(prompt: prompt, negativePrompt: "blurry", seed: seed, steps: steps, guidance: 4,
                      scheduler: .dpmSolverMultistep, width: 16, height: 12)
}

/// Runs a generation to its end, returning the events and the error it ended with (if any).
func run(_ library: Library, _ request: GenerationRequest, _ generator: TestGenerator,
         parent: GenerationID? = nil) async -> (events: [GenerationProgress], error: (any Error)?) {
    var events: [GenerationProgress] = []
    do {
        for try await event in library.generate(request, using: generator, parentID: parent) { events.append(event) }
        return (events, nil)
    } catch {
        return (events, error)
    }
}

/// Every file under a folder, relative paths, sorted.
func files(under folder: URL) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
    var found: [String] = []
    while let entry = walker.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(entry).path, isDirectory: &isDirectory),
           !isDirectory.boolValue { found.append(entry) }
    }
    return found.sorted()
}

extension LazySequenceProtocol where Elements == [UInt8] {
    /// The elements repeated `times` times.
    func cycled(_ times: Int) -> [UInt8] { (0..<times).flatMap { _ in Array(elements) } }
}
