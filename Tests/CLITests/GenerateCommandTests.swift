import DarkroomEngine
import DarkroomImaging
import DarkroomCredentials
import Foundation
import Testing

/// `darkroom generate` with the tiny diffusers pipelines of Fixtures/engine (random weights, made by diffusers).
@Suite struct GenerateCommandTests {
    static let engineFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/engine")

    @Test func generateReproducesDiffusersForTheSeed() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let output = cli.scratch.appendingPathComponent("out.png")
        let result = try cli.run(["generate", "a red chair in the garden", "--model", Self.engineFixtures.appendingPathComponent("sd-tiny-conv").path,
                                  "--seed", "7", "--steps", "3", "--guidance", "4.5", "--scheduler", "ddim", "--size", "32x32",
                                  "--rng", "torch", "--output", output.path, "--json"])
        #expect(result.code == 0, "\(result.stderr)")
        let made = try PNGCodec.decode(Data(contentsOf: output))
        let golden = try SafeTensorsFile(url: Self.engineFixtures.appendingPathComponent("goldens/sd-tiny-conv.safetensors"))
            .tensor(named: "image.ddim")
        #expect(made.image.width == 32 && made.image.height == 32)
        let close = zip(made.image.pixels, golden.scalars).filter { abs(Int($0) - Int($1)) <= 1 }.count
        #expect(Double(close) / Double(golden.count) >= 0.999)
        // The stored record says how to reproduce it.
        let item = try #require(try cli.listJSON().last)
        #expect(item["seed"] as? Int == 7 && item["steps"] as? Int == 3 && item["scheduler"] as? String == "ddim")
        #expect((item["model_hash"] as? String)?.count == 64)
        #expect(item["rng_kind"] as? String != nil && item["engine_version"] as? String != nil)
        #expect(made.textChunks.contains { $0.keyword == "parameters" && $0.text.contains("Seed: 7") })
        // Same prompt, seed and settings: a byte-identical PNG, and `verify` agrees.
        let again = cli.scratch.appendingPathComponent("again.png")
        #expect(try cli.run(["generate", "a red chair in the garden", "--model", Self.engineFixtures.appendingPathComponent("sd-tiny-conv").path,
                             "--seed", "7", "--steps", "3", "--guidance", "4.5", "--scheduler", "ddim", "--size", "32x32",
                             "--output", again.path]).code == 0)
        // Byte for byte but for the signed Content Credentials (each signature is fresh), which both carry.
        let first = [UInt8](try Data(contentsOf: output)), second = [UInt8](try Data(contentsOf: again))
        #expect(try PNGCredentials.removingManifest(from: second) == PNGCredentials.removingManifest(from: first))
        let unsigned = try PNGCredentials.removingManifest(from: first)
        #expect(first != second && unsigned != first)
        let id = try #require(item["id"] as? String)
        let verify = try cli.run(["verify", id])
        #expect(verify.code == 0 && verify.stdout.contains("identical"), "\(verify.stdout) \(verify.stderr)")
    }

    /// `--tiled-decode` decodes in diffusers' overlapping tiles (sd-tiny-conv's VAE: 16-latent tiles, so a 56x40
    /// picture is six tiles), records it, and shows it; the pixels differ from whole decoding's.
    @Test func tiledDecodingIsRecordedAndChangesThePicture() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let model = Self.engineFixtures.appendingPathComponent("sd-tiny-conv").path
        func generate(_ extra: [String], to name: String) throws -> [UInt8] {
            let output = cli.scratch.appendingPathComponent(name)
            let result = try cli.run(["generate", "a red chair", "--model", model, "--seed", "5", "--steps", "2", "--size", "56x40",
                                      "--any-size", "--output", output.path] + extra)
            #expect(result.code == 0, "\(result.stderr)")
            return try PNGCodec.decode(Data(contentsOf: output)).image.pixels
        }
        let tiled = try generate(["--tiled-decode"], to: "tiled.png")
        let whole = try generate([], to: "whole.png")
        #expect(tiled.count == 56 * 40 * 3 && tiled != whole)
        let items = try cli.listJSON()
        let tiledID = try #require(items.last?["id"] as? String), wholeID = try #require(items.first?["id"] as? String)
        #expect(try cli.run(["show", tiledID]).stdout.contains("tiled"))
        #expect(!(try cli.run(["show", wholeID]).stdout.contains("tiled")))
        // Regenerating from the record decodes in tiles again: the same picture.
        #expect(try cli.run(["verify", tiledID]).stdout.contains("identical"))
    }

    @Test func promptsUseRegeneratesWithTheLastSettingsOfAPrompt() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let model = Self.engineFixtures.appendingPathComponent("sd-tiny-conv").path
        #expect(try cli.run(["generate", "a blue lamp", "--negative", "dark", "--model", model, "--seed", "3", "--steps", "3",
                             "--guidance", "4.5", "--scheduler", "ddim", "--size", "32x32"]).code == 0)
        let listed = try cli.run(["prompts"])
        let id = try #require(listed.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
        let reused = try cli.run(["prompts", "use", id, "--seed", "9"])
        #expect(reused.code == 0, "\(reused.stderr)")
        let items = try cli.listJSON()
        #expect(items.count == 2)
        let newest = try #require(items.first)
        #expect(newest["prompt"] as? String == "a blue lamp" && newest["negative_prompt"] as? String == "dark")
        #expect(newest["seed"] as? Int == 9 && newest["steps"] as? Int == 3 && newest["scheduler"] as? String == "ddim")
        #expect(newest["guidance"] as? Double == 4.5 && newest["width"] as? Int == 32)
        #expect(newest["model_hash"] as? String == items.last?["model_hash"] as? String)
        #expect(try cli.run(["prompts", "use", "ffffffff"]).code == 2)
    }

    @Test func terminalShowsAProgressBarAndALivePreview() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let model = Self.engineFixtures.appendingPathComponent("sd-tiny-conv").path
        func onTerminal(_ extra: [String]) throws -> String {
            // `script` gives the command a pseudo-terminal, as a person's shell would.
            let command = ([CLIHarness.executable.path, "generate", "a red chair", "--model", model, "--steps", "3", "--size", "32x32",
                            "--library", cli.library.path] + extra).map { "'\($0)'" }.joined(separator: " ")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qc", command, "/dev/null"]
            var env = ProcessInfo.processInfo.environment
            env["TERM"] = "xterm-256color"
            process.environment = env
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(text)")
            return text
        }
        let shown = try onTerminal([])
        #expect(shown.contains("3/3") && shown.contains("it/s"))
        #expect(shown.contains("\u{2580}"))          // half-block picture rows of the preview
        #expect(!(try onTerminal(["--no-preview"])).contains("\u{2580}"))
    }

    @Test func batchQueueRerunAndBadModels() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let model = Self.engineFixtures.appendingPathComponent("sd-tiny-linear").path
        let common = ["--model", model, "--steps", "2", "--size", "32x32", "--scheduler", "euler"]
        let batch = try cli.run(["generate", "a blue cube", "--seed", "100", "--count", "2"] + common)
        #expect(batch.code == 0, "\(batch.stderr)")
        let made = try cli.listJSON()
        #expect(Set(made.compactMap { $0["seed"] as? Int }) == [100, 101])
        #expect(Set(made.compactMap { $0["batch_id"] as? String }).count == 1)

        let queued = try cli.run(["generate", "a green cone", "--seed", "5", "--count", "3", "--queue"] + common)
        #expect(queued.code == 0 && queued.stdout.split(separator: "\n").count == 3)
        #expect(try cli.run(["queue", "list"]).stdout.contains("queued"))
        let ids = queued.stdout.split(separator: "\n").map(String.init)
        #expect(try cli.run(["queue", "cancel", ids[2]]).stdout.contains("Cancelled 1"))
        let ran = try cli.run(["queue", "run"])
        #expect(ran.code == 0 && ran.stderr.contains("Ran 2 job(s), 0 failed"), "\(ran.stderr)")
        #expect(try cli.run(["queue", "retry", ids[2]]).code == 0)
        #expect(try cli.run(["queue", "clear"]).stdout.contains("Cancelled 1"))

        let rerun = try cli.run(["rerun", String(ids[0].prefix(8)), "--seed", "77"])
        #expect(rerun.code == 0, "\(rerun.stderr)")
        let child = try #require(try cli.listJSON(["--seed", "77"]).first)
        #expect(child["parent_id"] as? String == ids[0])
        #expect(try cli.listJSON(["--lineage", ids[0]]).count == 2)

        let vary = try cli.run(["vary", String(ids[0].prefix(8)), "--count", "2", "--strength", "0.5", "--variation-seed", "900"])
        #expect(vary.code == 0, "\(vary.stderr)")
        let variations = try cli.listJSON().filter { $0["variation_seed"] as? Int != nil }
        #expect(Set(variations.compactMap { $0["variation_seed"] as? Int }) == [900, 901])
        #expect(variations.allSatisfy { $0["parent_id"] as? String == ids[0] && $0["variation_strength"] as? Double == 0.5 })
        #expect(variations.allSatisfy { $0["seed"] as? Int == 5 })

        // A malformed model folder: a clear error, exit 9, nothing recorded.
        let broken = cli.scratch.appendingPathComponent("broken-model")
        try FileManager.default.copyItem(atPath: model, toPath: broken.path)
        try Data("{\"not\": 1}".utf8).write(to: broken.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
        let before = try cli.listJSON().count
        let bad = try cli.run(["generate", "x", "--model", broken.path])
        #expect(bad.code == 9 && bad.stderr.contains("cannot be loaded"), "\(bad.stderr)")
        #expect(try cli.listJSON().count == before)
    }
}

/// A process killed (SIGKILL) at random points of a generation leaves a consistent library.
@Suite struct KillTests {
    @Test func killedGenerationsLeaveNoRunningJobAndNoOrphans() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.run(["init"])
        let model = GenerateCommandTests.engineFixtures.appendingPathComponent("sd-tiny-conv").path
        var generator = SystemRandomNumberGenerator()
        for round in 0..<6 {
            let process = Process()
            process.executableURL = CLIHarness.executable
            process.arguments = ["generate", "kill test \(round)", "--model", model, "--steps", "12", "--size", "32x32",
                                 "--seed", "\(round)", "--library", cli.library.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 20_000...900_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // The next open marks the interrupted jobs failed and removes uncommitted files.
        let items = try cli.listJSON(["--limit", "100"])
        #expect(!items.contains { $0["status"] as? String == "running" })
        for item in items where item["status"] as? String == "failed" {
            #expect((item["error"] as? String)?.contains("interrupted") == true)
        }
        let doctor = try cli.run(["doctor"])
        #expect(doctor.code == 0, "\(doctor.stdout)")
        #expect(doctor.stdout.contains("database: ok"))
        #expect(doctor.stdout.contains("unreferenced pictures quarantined: 0"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("missing pictures: 0"))
    }
}

/// Ctrl-C on a terminal: the cancellation is said in the bar's line and the preview's rows are erased,
/// so nothing half drawn stays on screen (issue 32: two rows were left behind).
@Suite struct TerminalCancelTests {
    /// The cursor row after `text`, and the row of the last erase-below (`ESC [ J`) and of the first preview
    /// row (the first half block), following line feeds and cursor-up sequences as a terminal does.
    static func rows(_ text: String) -> (firstPicture: Int?, lastErase: Int?) {
        var row = 0, firstPicture: Int?, lastErase: Int?
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "\n" { row += 1 }
            if s == "\u{2580}", firstPicture == nil { firstPicture = row }
            if s == "\u{1B}", i + 1 < scalars.count, scalars[i + 1] == "[" {
                var j = i + 2, number = ""
                while j < scalars.count, CharacterSet.decimalDigits.contains(scalars[j]) { number.unicodeScalars.append(scalars[j]); j += 1 }
                if j < scalars.count {
                    if scalars[j] == "A" { row -= Int(number) ?? 1 }
                    if scalars[j] == "J" { lastErase = row }
                }
                i = j
            }
            i += 1
        }
        return (firstPicture, lastErase)
    }

    @Test func ctrlCOnATerminalLeavesNoPreviewRowsBehind() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.run(["init"])
        let model = GenerateCommandTests.engineFixtures.appendingPathComponent("sd-tiny-conv").path
        let command = [CLIHarness.executable.path, "generate", "a red chair", "--model", model, "--steps", "1000", "--size", "32x32",
                       "--library", cli.library.path].map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qc", command, "/dev/null"]
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        process.environment = env
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        try process.run()
        // Wait for a preview and a bar, then press Ctrl-C on the terminal.
        var seen = Data()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            seen.append(out.fileHandleForReading.availableData)
            let text = String(decoding: seen, as: UTF8.self)
            if text.contains("\u{2580}") && text.contains("it/s") { break }
        }
        input.fileHandleForWriting.write(Data([0x03]))
        seen.append(out.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        let text = String(decoding: seen, as: UTF8.self)
        #expect(text.contains("Cancelling after the current step"), "\(text)")
        #expect(!text.contains("\nCancelling"), "the message has a line of its own instead of the bar's")
        let (firstPicture, lastErase) = Self.rows(text)
        #expect(firstPicture != nil && lastErase == firstPicture, "preview from row \(String(describing: firstPicture)), erased from row \(String(describing: lastErase))")
        let items = try cli.listJSON()
        #expect(items.count == 1 && items.first?["status"] as? String == "cancelled")
    }
}
