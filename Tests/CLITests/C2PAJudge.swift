import Foundation
import Testing

/// The C2PA reference implementation (c2pa-python, which carries the Rust c2pa library) as a test-time judge,
/// through scripts/c2pa-judge.py. CI installs it (.ci/run) and sets DARKROOM_TEST_C2PA=required, so there
/// a missing judge fails the test; elsewhere the judged part is skipped with a note.
enum C2PAJudge {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let isAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import c2pa"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// The reference's verdicts on `files` (one JSON object each), or nil when the judge is not installed here
    /// (an issue is recorded when CI requires it).
    static func verdicts(_ files: [URL], trustAnchors: URL? = nil) throws -> [[String: Any]]? {
        guard isAvailable else {
            if ProcessInfo.processInfo.environment["DARKROOM_TEST_C2PA"] == "required" {
                Issue.record("the C2PA reference (pip install c2pa-python) is required here but not installed")
            }
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/c2pa-judge.py").path]
            + (trustAnchors.map { ["--trust-anchors", $0.path] } ?? []) + files.map(\.path)
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The reference's verdict on one file.
    static func verdict(_ file: URL, trustAnchors: URL? = nil) throws -> [String: Any]? {
        try verdicts([file], trustAnchors: trustAnchors)?.first
    }
}
