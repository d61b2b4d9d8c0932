import DarkroomImaging
import Foundation
import GRDB
import Testing

/// Bad input and faults: each gets a clear message and a documented exit code, and loses nothing.
@Suite struct FaultTests {
    @Test func wrongFlagsAndUnknownIDs() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.run(["init"])
        let badFlag = try cli.run(["list", "--frobnicate"])
        #expect(badFlag.code == 64 && badFlag.stderr.contains("frobnicate"))
        #expect(try cli.run(["list", "--since", "yesterdayish"]).code == 64)
        let unknown = try cli.run(["show", "0123abcd"])
        #expect(unknown.code == 2 && unknown.stderr.contains("No generation matches '0123abcd'"))
        #expect(try cli.run(["show", "zz-not-hex"]).code == 2)
        #expect(try cli.run(["fav", "0123abcd"]).code == 2)
    }

    @Test func ambiguousPrefixIsRejectedWithCandidates() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        // 17 items: by pigeonhole two ids share their first hex digit.
        for i in 0..<17 { try cli.writePNG("in/\(i).png", seed: i + 100) }
        try cli.run(["import", cli.scratch.appendingPathComponent("in").path])
        let ids = try cli.listJSON().compactMap { $0["id"] as? String }
        #expect(ids.count == 17)
        let first = Dictionary(grouping: ids, by: { $0.prefix(1) }).first { $0.value.count > 1 }!.key
        let result = try cli.run(["show", String(first)])
        #expect(result.code == 3)
        #expect(result.stderr.contains("ambiguous"))
    }

    @Test func badImportsAreReportedAndDuplicatesRecognised() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let good = try cli.writePNG("good.png", seed: 1)
        let missing = try cli.run(["import", cli.scratch.appendingPathComponent("nope.png").path])
        #expect(missing.code == 2 && missing.stderr.contains("No such file"))
        let text = cli.scratch.appendingPathComponent("notes.png")
        try Data("hello".utf8).write(to: text)
        let notPNG = try cli.run(["import", text.path])
        #expect(notPNG.code == 4 && notPNG.stderr.contains("not a picture"))
        var truncated = try Data(contentsOf: good)
        truncated.removeLast(truncated.count / 2)
        let cut = cli.scratch.appendingPathComponent("cut.png")
        try truncated.write(to: cut)
        let mixed = try cli.run(["import", good.path, cut.path])
        #expect(mixed.code == 12)
        #expect(mixed.stderr.contains("1 imported, 0 duplicate(s), 1 failed"))
        let again = try cli.run(["import", good.path])
        #expect(again.code == 0 && again.stdout.contains("duplicate"))
        #expect(try cli.listJSON().count == 1)
        #expect(try cli.run(["doctor"]).code == 0)
    }

    @Test func corruptAndNewerLibrariesAreRefusedUntouched() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.run(["init"])
        let file = cli.library.appendingPathComponent("library.sqlite")
        // A newer schema.
        let queue = try DatabaseQueue(path: file.path)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('0999_from_the_future')") }
        try queue.close()
        let newer = try cli.run(["list"])
        #expect(newer.code == 5 && newer.stderr.contains("newer Darkroom"))
        // A damaged file.
        try FileManager.default.removeItem(at: cli.library)
        try FileManager.default.createDirectory(at: cli.library, withIntermediateDirectories: true)
        let garbage = Data(repeating: 0x5A, count: 4096)
        try garbage.write(to: file)
        let corrupt = try cli.run(["list"])
        #expect(corrupt.code == 6 && corrupt.stderr.contains("damaged"))
        #expect(try Data(contentsOf: file) == garbage)
    }

    @Test func fullDiskDuringImportLosesNothing() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.writePNG("small.png", seed: 1)
        try cli.run(["import", cli.scratch.appendingPathComponent("small.png").path])
        let big = try cli.writePNG("big.png", seed: 2, size: 400, noise: true)  // ~480 KB of incompressible pixels
        // A 200 KiB file-size limit makes writing the picture fail with EFBIG, as a full disk would.
        let full = try cli.run(["import", big.path], shellPrefix: "ulimit -f 200")
        #expect(full.code == 7 || full.code == 12, "stderr: \(full.stderr)")
        #expect(full.stderr.lowercased().contains("disk is full") || full.stderr.contains("failed"))
        // Nothing half-written: the library still has exactly the first picture, no stray files.
        #expect(try cli.listJSON().count == 1)
        let doctor = try cli.run(["doctor"])
        #expect(doctor.code == 0, "\(doctor.stdout)")
        #expect(doctor.stdout.contains("unreferenced pictures quarantined: 0"))
        // With room again, the same import works.
        #expect(try cli.run(["import", big.path]).code == 0)
        #expect(try cli.listJSON().count == 2)
    }

    @Test func twoProcessesImportingAtOnceLoseNothing() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.run(["init"])
        for i in 0..<12 { try cli.writePNG("a/\(i).png", seed: i); try cli.writePNG("b/\(i).png", seed: 1000 + i) }
        let group = DispatchGroup()
        nonisolated(unsafe) var codes: [Int32] = [0, 0]
        let lock = NSLock()
        for (n, folder) in ["a", "b"].enumerated() {
            group.enter()
            DispatchQueue.global().async {
                let result = try? cli.run(["import", cli.scratch.appendingPathComponent(folder).path])
                lock.lock(); codes[n] = result?.code ?? -1; lock.unlock()
                group.leave()
            }
        }
        group.wait()
        #expect(codes == [0, 0])
        #expect(try cli.listJSON().count == 24)
        #expect(try cli.run(["doctor"]).code == 0)
    }

    @Test func generateWithoutAModelSaysWhatIsMissing() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let result = try cli.run(["generate", "a red circle", "--model", cli.scratch.appendingPathComponent("no-model").path])
        #expect(result.code == 9)
        #expect(result.stderr.contains("model_index.json"))
        #expect(try cli.run(["generate", "x", "--scheduler", "warp"]).code == 64)
    }
}
