import DarkroomImaging
import Foundation
import Testing

/// Runs `darkroom ARGS --library LIBRARY` on a pseudo-terminal (`script -qc`), as a person's shell would,
/// and returns everything the terminal received (stdout and stderr together).
func onTerminal(_ cli: CLIHarness, _ arguments: [String], expectCode: Int32 = 0) throws -> String {
    let command = ([CLIHarness.executable.path] + arguments + ["--library", cli.library.path])
        .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qc", command, "/dev/null"]
    var env = ProcessInfo.processInfo.environment
    env["TERM"] = "xterm-256color"
    env["DARKROOM_LIBRARY"] = nil
    process.environment = env
    process.currentDirectoryURL = cli.scratch
    let out = Pipe()
    process.standardOutput = out
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == expectCode, "\(text)")
    return text
}

/// The JSON objects of `--progress json` (one per stderr line); fails the test on a line that is not one.
func progressLines(_ stderr: String) -> [[String: Any]] {
    stderr.split(separator: "\n").compactMap { line in
        guard line.hasPrefix("{") else { return nil }
        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(object != nil, "not a JSON object: \(line)")
        return object
    }
}

/// Progress on stderr for long work: generation (model loading, prompt encoding, steps, picture N of a
/// batch), import, export and doctor; a bar on a terminal, JSON lines with `--progress json`, nothing
/// when stderr is not a terminal.
@Suite struct ProgressCommandTests {
    @Test func batchGenerationReportsEachPictureAsJSONLines() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let result = try cli.run(["generate", "a red circle in the centre", "--seed", "3", "--count", "2", "--progress", "json"])
        #expect(result.code == 0, "\(result.stderr)")
        let lines = progressLines(result.stderr)
        #expect(lines.allSatisfy { $0["task"] as? String == "generate" })
        #expect((lines.first?["phase"] as? String)?.hasPrefix("loading model darkroom-shapes-v1") == true)
        let encoding = lines.filter { $0["phase"] as? String == "encoding prompt" }
        #expect(encoding.compactMap { $0["picture"] as? Int } == [1, 2] && encoding.allSatisfy { $0["pictures"] as? Int == 2 })
        let steps = lines.filter { $0["event"] as? String == "progress" }
        #expect(steps.contains { $0["picture"] as? Int == 2 && $0["done"] as? Int == 8 && $0["total"] as? Int == 8 })
        #expect(steps.allSatisfy { $0["unit"] as? String == "steps" && $0["eta_s"] is Double && $0["rate"] is Double })
        let pictures = lines.filter { $0["event"] as? String == "picture" }
        #expect(pictures.compactMap { $0["picture"] as? Int } == [1, 2])
        #expect(pictures.allSatisfy { ($0["path"] as? String)?.hasSuffix(".png") == true && ($0["id"] as? String)?.count == 36 })
        #expect(lines.last?["event"] as? String == "done" && lines.last?["done"] as? Int == 2)
        // Not a terminal and no --progress: nothing on stderr but the summary notes.
        let quiet = try cli.run(["generate", "a red circle in the centre", "--seed", "4"])
        #expect(quiet.code == 0 && progressLines(quiet.stderr).isEmpty && !quiet.stderr.contains("\u{1B}["))
    }

    @Test func importReportsFilesRateAndETA() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        for index in 0..<5 { try cli.writePNG("pictures/p\(index).png", seed: index, noise: true) }
        try Data("not a picture".utf8).write(to: cli.scratch.appendingPathComponent("pictures/notes.txt"))
        let folder = cli.scratch.appendingPathComponent("pictures").path
        let result = try cli.run(["import", folder, "--progress", "json"])
        #expect(result.code == 0, "\(result.stderr)")
        let lines = progressLines(result.stderr)
        #expect(lines.allSatisfy { $0["task"] as? String == "import" })
        #expect(lines.first?["event"] as? String == "phase" && lines.first?["phase"] as? String == "finding pictures")
        let moves = lines.filter { $0["event"] as? String == "progress" }
        #expect(moves.first?["done"] as? Int == 1 && moves.last?["done"] as? Int == 5)
        #expect(moves.allSatisfy { $0["total"] as? Int == 5 && $0["unit"] as? String == "files" && $0["rate"] is Double && $0["eta_s"] is Double })
        #expect((moves.last?["path"] as? String)?.hasSuffix("p4.png") == true)
        #expect(lines.last?["event"] as? String == "done" && lines.last?["total"] as? Int == 5)
        #expect(result.stderr.contains("5 imported, 0 duplicate(s), 0 failed, 1 non-PNG file(s) skipped."))
        #expect(try cli.listJSON().count == 5)
        // On a terminal: a bar with the count and rate, then the summary.
        try cli.writePNG("more/q.png", seed: 9, noise: true)
        let shown = try onTerminal(cli, ["import", cli.scratch.appendingPathComponent("more").path])
        #expect(shown.contains("1/1 files") && shown.contains("files/s") && shown.contains("1 imported"))
    }

    @Test func exportAndDoctorReportProgress() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        for index in 0..<3 { try cli.writePNG("in/p\(index).png", seed: index, noise: true) }
        #expect(try cli.run(["import", cli.scratch.appendingPathComponent("in").path]).code == 0)
        let export = try cli.run(["export", "--all", "--to", cli.scratch.appendingPathComponent("out").path, "--progress", "json"])
        #expect(export.code == 0, "\(export.stderr)")
        let lines = progressLines(export.stderr)
        // Lines are drawn at most ten times a second, always the first and the last.
        let done = lines.filter { $0["event"] as? String == "progress" }.compactMap { $0["done"] as? Int }
        #expect(done.first == 1 && done.last == 3 && done == done.sorted())
        #expect(lines.allSatisfy { $0["task"] as? String == "export" } && lines.last?["event"] as? String == "done")
        let doctor = try cli.run(["doctor", "--progress", "json"])
        #expect(doctor.code == 0 && doctor.stdout.contains("database: ok"), "\(doctor.stdout) \(doctor.stderr)")
        let checks = progressLines(doctor.stderr)
        #expect(checks.first?["phase"] as? String == "checking the library" && checks.last?["event"] as? String == "done")
        #expect(try onTerminal(cli, ["doctor"]).contains("checking the library…"))
    }

    @Test func terminalShowsLoadingEncodingAndPictureOfBatch() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let shown = try onTerminal(cli, ["generate", "a yellow ring in the centre", "--seed", "5", "--count", "2"])
        #expect(shown.contains("loading model darkroom-shapes-v1"))
        #expect(shown.contains("encoding prompt"))
        #expect(shown.contains("1/2 ") && shown.contains("2/2 ") && shown.contains("8/8"))
        #expect(shown.contains("\u{2580}"))   // the preview, then the finished pictures, in half blocks
    }
}
