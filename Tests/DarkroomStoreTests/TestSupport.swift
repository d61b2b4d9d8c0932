import Foundation
@testable import DarkroomStore

/// A fresh temporary folder, removed by the caller with `cleanup`.
struct TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// The repository's `Fixtures/` folder.
let fixturesFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// Inserts a generation row with the given fields.
@discardableResult
func insertGeneration(_ database: LibraryDatabase, prompt: String, seed: Int64 = 1, steps: Int = 8,
                      created: Date = Date(), status: GenerationRecord.Status = .succeeded,
                      configure: @Sendable (inout GenerationRecord) -> Void = { _ in }) throws -> GenerationRecord {
    try database.write { db in
        var row = GenerationRecord.make(source: .generate, status: status, now: created)
        row.prompt = prompt
        row.seed = seed
        row.steps = steps
        configure(&row)
        try row.insert(db)
        return row
    }
}
