import Foundation

/// Locates and decodes the committed goldens under `Fixtures/engine/sampling`.
enum SamplingFixtures {
    /// `Fixtures/engine/sampling` in the package checkout.
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DarkroomEngineTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Fixtures/engine/sampling", isDirectory: true)

    /// Decodes a JSON golden file below `directory`.
    static func load<T: Decodable>(_ type: T.Type, _ relativePath: String) throws -> T {
        let data = try Data(contentsOf: directory.appendingPathComponent(relativePath))
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// Whether `actual` matches `expected` within `relative * max(1, |expected|)`.
    static func close(_ actual: Float, _ expected: Double, relative: Double) -> Bool {
        abs(Double(actual) - expected) <= relative * max(1, abs(expected))
    }
}
