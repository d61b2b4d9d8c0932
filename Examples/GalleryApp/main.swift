// GalleryApp: Darkroom used the way a gallery app's view model uses it, with `import Darkroom`
// alone (docs/embedding.md walks through it). CI builds and runs it (scripts/test.sh):
//
//   swift run darkroom-gallery-example [LIBRARY_FOLDER]
//
// It opens a library, observes the newest page, imports a picture, generates one with the shipped
// model (progress shown) and cancels another, favourites the result, and syncs to a second
// library through a shared folder. It checks what the observed page shows at each step and
// exits 1 if anything is not as an app would expect.
import Darkroom
import Foundation

/// What a gallery screen holds: the newest page, as the library's observation yields it.
@MainActor final class GalleryViewModel {
    private(set) var items: [GalleryItem] = []
    /// Pages received so far (0 until the observation's first).
    private(set) var pages = 0
    private var watching: Task<Void, Never>?
    let library: Library

    init(library: Library) { self.library = library }

    /// Starts following the newest `limit` items; the task ends with the view model.
    func start(limit: Int = 20) {
        watching = Task { [library] in
            do {
                for try await page in library.observe(GalleryQuery(limit: limit)) {
                    self.items = page
                    self.pages += 1
                    print("page: \(page.count) item(s)" + (page.first.map { ", newest \"\($0.generation.prompt)\"" } ?? ""))
                }
            } catch {
                print("the library can no longer be read: \(error)")
            }
        }
    }

    func stop() { watching?.cancel() }

    /// Waits (up to `seconds`) until the page satisfies `condition`: what a UI would show next.
    func waitUntil(_ what: String, seconds: Double = 5, _ condition: ([GalleryItem]) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while pages == 0 || !condition(items) {
            guard ContinuousClock.now < deadline else { throw ExampleFailure("the page never showed \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        print("✓ \(what)")
    }
}

struct ExampleFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The repository folder (this file is Examples/GalleryApp/main.swift).
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@MainActor func runExample() async throws {
    let root = CommandLine.arguments.dropFirst().first.map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-gallery-example-\(UUID().uuidString)")
    defer { if CommandLine.arguments.count < 2 { try? FileManager.default.removeItem(at: root) } }
    let keys = root.appendingPathComponent("keys")

    // 1. Open (off the main actor: opening migrates and recovers) and observe.
    let library = try await Library.open(at: root.appendingPathComponent("phone"), create: true, keyDirectory: keys)
    let model = GalleryViewModel(library: library)
    model.start()
    try await model.waitUntil("an empty gallery") { $0.isEmpty }

    // 2. Import a picture another tool made.
    let report = try await library.importImages(at: [repository.appendingPathComponent("Fixtures/png/sample-sunset.png")])
    guard report.importedIDs.count == 1 else { throw ExampleFailure("the import failed: \(report.outcomes)") }
    try await model.waitUntil("the imported picture") { $0.count == 1 }

    // 3. Generate with the shipped model, showing progress.
    let generator = try await Task.detached {
        try EngineGenerator.load(modelDirectory: repository.appendingPathComponent("Fixtures/models/darkroom-shapes-v1"))
    }.value
    let request = GenerationRequest(prompt: "a red circle above a blue square", seed: 7, steps: 8, guidance: 3,
                                    scheduler: .eulerAncestral, width: 64, height: 64)
    var made: GalleryItem?
    for try await progress in library.generate(request, using: generator) {
        switch progress {
        case .started(let id): print("generating \(id.prefix(8))…")
        case .step(_, let step, let total, _): print("  step \(step)/\(total)")
        case .finished(let item): made = item
        }
    }
    guard let made else { throw ExampleFailure("the generation did not finish") }
    try await model.waitUntil("the generated picture on top") { $0.first?.id == made.id }

    // 4. Cancel a generation: leaving the loop (the user tapped Cancel) cancels the job; its row
    //    says `cancelled` and it has no picture.
    var cancelledID: GenerationID?
    for try await progress in library.generate(GenerationRequest(prompt: "a green star", seed: 8, steps: 8, guidance: 3,
                                                                  scheduler: .eulerAncestral, width: 64, height: 64), using: generator) {
        if case .started(let id) = progress { cancelledID = id }
        if case .step = progress { break }
    }
    try await model.waitUntil("the cancelled job, marked cancelled, without a picture") { page in
        page.first { $0.id == cancelledID }.map { $0.generation.status == .cancelled && $0.image == nil } ?? false
    }

    // 5. Favourite the result.
    try await library.setFavorite([made.id], true)
    try await model.waitUntil("the favourite") { $0.first { $0.id == made.id }?.generation.favorite == true }

    // 6. Sync with the user's laptop through a shared folder.
    let shared = TransportSpec.folder(root.appendingPathComponent("shared"))
    let phoneSync = LibrarySync(library: library, keyDirectory: keys)
    _ = try await phoneSync.initialize(transport: shared, deviceName: "phone")
    let laptop = try await Library.open(at: root.appendingPathComponent("laptop"), create: true, keyDirectory: keys)
    let laptopSync = LibrarySync(library: laptop, keyDirectory: keys)
    _ = try await laptopSync.join(code: try await phoneSync.pair(), transport: shared, deviceName: "laptop")
    _ = try await phoneSync.run()    // admits the laptop, sends everything
    _ = try await laptopSync.run()   // receives it
    let onLaptop = try await laptop.items(GalleryQuery(limit: 20))
    guard Set(onLaptop.map(\.id)) == Set(model.items.map(\.id)), onLaptop.first(where: { $0.id == made.id })?.generation.favorite == true else {
        throw ExampleFailure("the laptop has \(onLaptop.count) item(s), not the phone's \(model.items.count)")
    }
    print("✓ the laptop has the phone's \(onLaptop.count) item(s), the favourite included")
    model.stop()
}

do {
    try await runExample()
    print("GalleryApp: every step behaved as an app expects")
} catch {
    print("GalleryApp failed: \(error)")
    exit(1)
}
