import DarkroomImaging
import Foundation
import Testing

/// The data-loss, hang and crash paths of issue 30, reproduced through the CLI as a user's machine would.
@Suite struct DataSafetyTests {
    static let model = GenerateCommandTests.engineFixtures.appendingPathComponent("sd-tiny-conv").path

    /// `darkroom ARGS --library LIBRARY` started in the background.
    static func start(_ cli: CLIHarness, _ arguments: [String], library: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = CLIHarness.executable
        process.arguments = arguments + ["--library", library ?? cli.library.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func commandsBesideARunningGenerationNeverFailItAndThePairedDeviceGetsEveryPicture() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let devices = try TwoDevices(cli)
        try devices.pair(through: "folder:" + cli.scratch.appendingPathComponent("shared").path, names: ("laptop", "tablet"))

        let count = 6
        let generate = Process()
        generate.executableURL = CLIHarness.executable
        generate.arguments = ["generate", "a purple triangle", "--model", Self.model, "--steps", "30", "--size", "32x32",
                              "--seed", "5", "--count", "\(count)", "--library", devices.a]
        var environment = ProcessInfo.processInfo.environment
        environment["DARKROOM_KEY_DIR"] = devices.environment["DARKROOM_KEY_DIR"]
        generate.environment = environment
        generate.standardOutput = FileHandle.nullDevice
        generate.standardError = FileHandle.nullDevice
        try generate.run()
        // While it runs: the commands a person or a sync schedule would run beside it.
        var rounds = 0
        while generate.isRunning {
            let list = try cli.run(["list", "--limit", "1", "--library", devices.a], withLibrary: false, environment: devices.environment)
            #expect(!list.stderr.contains("interrupted"), "\(list.stderr)")
            _ = try cli.run(["sync", "run", "--library", devices.a], withLibrary: false, environment: devices.environment)
            if rounds % 3 == 0 {
                _ = try cli.run(["doctor", "--library", devices.a], withLibrary: false, environment: devices.environment)
            }
            rounds += 1
        }
        generate.waitUntilExit()
        #expect(generate.terminationStatus == 0)
        #expect(rounds > 0)
        let made = try devices.on(devices.a, ["list", "--json", "--include-flagged"]).stdout
        #expect(made.components(separatedBy: "\"status\" : \"succeeded\"").count - 1 == count, "\(made)")
        #expect(!made.contains("\"status\" : \"failed\""))
        for library in [devices.a, devices.b, devices.a, devices.b] { _ = try devices.on(library, ["sync", "run"]) }
        let received = try devices.on(devices.b, ["list", "--json", "--include-flagged"]).stdout
        #expect(received.components(separatedBy: "\"status\" : \"succeeded\"").count - 1 == count, "\(received)")
        #expect(try devices.normalizedList(devices.a) == (try devices.normalizedList(devices.b)))
    }

    @Test func aLostOrDamagedLogIsReportedAsDamageAndRebuildBringsThePicturesBack() throws {
        for damage in ["removed", "flipped"] {
            let cli = try CLIHarness(); defer { cli.cleanup() }
            try cli.run(["init"])
            let pictures = (0..<7).map { cli.scratch.appendingPathComponent("in/\($0).png").path }
            for i in 0..<7 { try cli.writePNG("in/\(i).png", seed: 300 + i) }
            #expect(try cli.run(["import"] + pictures).code == 0)
            let log = cli.library.appendingPathComponent("library.sqlite-wal")
            let images = cli.library.appendingPathComponent("images")
            let stored = try FileManager.default.subpathsOfDirectory(atPath: images.path).filter { $0.hasSuffix(".png") }
            #expect(stored.count == 7)
            if damage == "removed" {
                try FileManager.default.removeItem(at: log)
            } else {
                var bytes = try Data(contentsOf: log)
                bytes[32 + 24 + 100] ^= 0x01   // a byte of the first frame's page
                try bytes.write(to: log)
            }
            let list = try cli.run(["list"])
            #expect(list.code == 6, "\(damage): \(list.stdout) \(list.stderr)")
            #expect(list.stderr.contains("lost recent changes") && list.stderr.contains("doctor --rebuild"), "\(list.stderr)")
            let doctor = try cli.run(["doctor"])
            #expect(doctor.code == 6)
            // Nothing was removed or moved.
            #expect(try FileManager.default.subpathsOfDirectory(atPath: images.path).filter { $0.hasSuffix(".png") }.count == 7)

            let rebuild = try cli.run(["doctor", "--rebuild"])
            #expect(rebuild.code == 0, "\(rebuild.stdout) \(rebuild.stderr)")
            #expect(rebuild.stdout.contains("restored from quarantine: 7 imported"), "\(rebuild.stdout)")
            #expect(try cli.listJSON().count == 7)
            #expect(try cli.run(["doctor"]).code == 0)
            if damage == "flipped" {
                let kept = try FileManager.default.contentsOfDirectory(atPath: cli.library.path).filter { $0.contains(".damaged-") }
                #expect(kept.count == 1)
            }
        }
    }

    @Test func doctorQuarantinesUnreferencedPicturesAndRestoresThem() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.run(["init"])
        // A picture with full metadata that no row shows (as a lost row leaves it).
        try cli.writePNG("other/lost.png", seed: 41)
        let lostLibrary = cli.scratch.appendingPathComponent("other-library").path
        _ = try cli.run(["import", cli.scratch.appendingPathComponent("other/lost.png").path, "--library", lostLibrary], withLibrary: false)
        let source = cli.scratch.appendingPathComponent("other-library/images")
        let relative = try #require(try FileManager.default.subpathsOfDirectory(atPath: source.path).first { $0.hasSuffix(".png") })
        let target = cli.library.appendingPathComponent("images/\(relative)")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent(relative), to: target)

        let doctor = try cli.run(["doctor"])
        #expect(doctor.code == 6)
        #expect(doctor.stdout.contains("unreferenced pictures quarantined: 1"), "\(doctor.stdout)")
        #expect(!FileManager.default.fileExists(atPath: target.path))
        let quarantine = cli.library.appendingPathComponent("quarantine")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: quarantine.path).contains { $0.hasSuffix(relative) })
        #expect(try cli.run(["doctor"]).stderr.contains("1 picture(s) are in quarantine"))

        let restore = try cli.run(["doctor", "--restore-orphans"])
        #expect(restore.code == 0, "\(restore.stdout)")
        #expect(restore.stdout.contains("restored from quarantine: 1 imported"))
        #expect(try cli.listJSON().count == 1)
        #expect(FileManager.default.fileExists(atPath: target.path))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: quarantine.path).filter { $0.hasSuffix(".png") }.isEmpty)
    }

    @Test func ctrlCEndsEveryGenerationWithinTwoSeconds() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.run(["init"])
        var random = SystemRandomNumberGenerator()
        var slowest = 0.0
        for round in 0..<20 {
            let process = try Self.start(cli, ["generate", "a red circle \(round)", "--model", Self.model, "--steps", "400",
                                               "--size", "32x32", "--seed", "\(round)"])
            usleep(UInt32.random(in: 300_000...1_500_000, using: &random))
            let sent = Date()
            kill(process.processIdentifier, SIGINT)
            while process.isRunning, Date().timeIntervalSince(sent) < 10 { usleep(10_000) }
            let took = Date().timeIntervalSince(sent)
            slowest = max(slowest, took)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            #expect(took < 2, "round \(round): still running \(took) s after Ctrl-C")
        }
        let items = try cli.listJSON(["--limit", "100"])
        #expect(!items.contains { $0["status"] as? String == "running" })
        print("slowest exit after Ctrl-C: \(slowest) s")
    }

    @Test func aModelThatProducesNaNFailsTheJobWithAClearError() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let broken = cli.scratch.appendingPathComponent("nan-model")
        try FileManager.default.copyItem(atPath: Self.model, toPath: broken.path)
        // Every UNet weight NaN: the safetensors header kept, the data bytes all 0xFF.
        let weights = broken.appendingPathComponent("unet/diffusion_pytorch_model.safetensors")
        var bytes = try Data(contentsOf: weights)
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        bytes.replaceSubrange((8 + headerLength)..., with: Data(repeating: 0xFF, count: bytes.count - 8 - headerLength))
        try bytes.write(to: weights)
        let result = try cli.run(["generate", "a red circle", "--model", broken.path, "--steps", "3", "--size", "32x32"])
        #expect(result.code == 10, "\(result.stderr)")
        #expect(result.stderr.contains("not numbers"), "\(result.stderr)")
        let items = try cli.listJSON()
        #expect(items.count == 1 && items.first?["status"] as? String == "failed")
    }

    @Test func aDamagedHeaderIsDamageNotAReadOnlyDatabase() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.run(["init"])
        let file = cli.library.appendingPathComponent("library.sqlite")
        var bytes = try Data(contentsOf: file)
        bytes[18] = 3   // the write version: SQLite would open the file read-only
        try bytes.write(to: file)
        let list = try cli.run(["list"])
        #expect(list.code == 6 && list.stderr.contains("damaged"), "\(list.stderr)")
        #expect(try cli.run(["fav", "0123"]).code == 6)
    }

    @Test func aReadOnlyLibraryCanBeReadAndSaysWhyItCannotBeChanged() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.writePNG("one.png", seed: 3)
        try cli.run(["import", cli.scratch.appendingPathComponent("one.png").path])
        let id = try #require(try cli.listJSON().first?["id"] as? String)
        // Another user's library (as root, through setpriv; otherwise the files made read-only).
        let asRoot = getuid() == 0
        if !asRoot { try Self.chmodTree(cli.library, writable: false) }
        defer { if !asRoot { try? Self.chmodTree(cli.library, writable: true) } }
        // The other user runs a copy of the binary and its resource bundles in a folder it can read
        // (the build folder may sit in root's home).
        let binary = cli.scratch.appendingPathComponent("bin")
        if asRoot {
            try FileManager.default.createDirectory(at: binary, withIntermediateDirectories: true)
            let built = CLIHarness.executable.deletingLastPathComponent()
            for name in try FileManager.default.contentsOfDirectory(atPath: built.path) where name.hasSuffix(".resources") {
                try FileManager.default.copyItem(at: built.appendingPathComponent(name), to: binary.appendingPathComponent(name))
            }
            try FileManager.default.copyItem(at: CLIHarness.executable, to: binary.appendingPathComponent("darkroom"))
            for path in [binary.path] + (try FileManager.default.subpathsOfDirectory(atPath: binary.path)).map({ binary.appendingPathComponent($0).path }) {
                try FileManager.default.setAttributes([.posixPermissions: Int16(0o755)], ofItemAtPath: path)
            }
        }
        func run(_ args: [String]) throws -> CLIHarness.Result {
            guard asRoot else { return try cli.run(args) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", binary.appendingPathComponent("darkroom").path]
                + args + ["--library", cli.library.path]
            process.currentDirectoryURL = URL(fileURLWithPath: "/")
            let out = Pipe(), err = Pipe()
            (process.standardOutput, process.standardError, process.standardInput) = (out, err, FileHandle.nullDevice)
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return CLIHarness.Result(code: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                                     stderr: String(decoding: stderr, as: UTF8.self))
        }
        let list = try run(["list"])
        #expect(list.code == 0 && list.stdout.contains(String(id.prefix(8))), "\(list.stderr)")
        #expect(try run(["show", String(id.prefix(8))]).code == 0)
        #expect(try run(["stats"]).code == 0)
        let fav = try run(["fav", String(id.prefix(8))])
        #expect(fav.code == 18 && fav.stderr.contains("read-only"), "\(fav.stderr)")
        let imported = try run(["import", try cli.writePNG("two.png", seed: 4).path])
        #expect(imported.code == 18, "\(imported.stderr)")
    }

    @Test func largeMetadataSyncsThroughTheRelayInEnvelopesUnderItsLimit() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let relay = try RelayProcess(storage: "sqlite:" + cli.scratch.appendingPathComponent("relay.sqlite").path)
        defer { relay.stop() }
        let transport = "http://127.0.0.1:\(relay.port)"
        let devices = try TwoDevices(cli)
        // 25 pictures with 200 KB of metadata each: one envelope would be 5 MB, over the relay's 4 MiB.
        let pictures = try (0..<25).map { i in
            try cli.writePNG("big/\(i).png", seed: 500 + i, chunks: [
                PNGTextChunk(keyword: "parameters", text: "a lighthouse \(i)\nSteps: 8, Sampler: Euler, CFG scale: 4, Seed: \(i), Size: 16x16"),
                PNGTextChunk(keyword: "workflow", text: "{\"pad\": \"" + String(repeating: "x", count: 200_000) + "\", \"n\": \(i)}"),
            ]).path
        }
        _ = try devices.on(devices.a, ["import"] + pictures)
        _ = try devices.on(devices.a, ["sync", "init", "--transport", transport, "--name", "laptop"])
        let code = try #require(try devices.on(devices.a, ["sync", "pair"]).stdout.split(separator: "\n").last.map(String.init))
        _ = try devices.on(devices.b, ["sync", "join", code, "--transport", transport, "--name", "phone"])
        let first = try devices.on(devices.a, ["sync", "run"]).stdout
        let envelopes = first.firstMatch(of: /in (\d+) envelope/).flatMap { Int($0.1) } ?? 0
        #expect(envelopes >= 3, "\(first)")
        _ = try devices.on(devices.b, ["sync", "run"])
        #expect(try devices.normalizedList(devices.a) == (try devices.normalizedList(devices.b)))
    }

    @Test func aCorruptedPictureBlobDoesNotHoldBackLaterChangesAndIsSentAgain() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let devices = try TwoDevices(cli)
        let sharedFolder = cli.scratch.appendingPathComponent("shared")
        let shared = "folder:" + sharedFolder.path
        _ = try devices.on(devices.a, ["sync", "init", "--transport", shared, "--name", "laptop"])
        let code = try #require(try devices.on(devices.a, ["sync", "pair"]).stdout.split(separator: "\n").last.map(String.init))
        _ = try devices.on(devices.b, ["sync", "join", code, "--transport", shared, "--name", "tablet"])
        _ = try devices.on(devices.a, ["sync", "run"])
        _ = try devices.on(devices.b, ["sync", "run"])
        _ = try devices.on(devices.a, ["import", try cli.writePNG("one.png", seed: 61).path, try cli.writePNG("two.png", seed: 62).path])
        _ = try devices.on(devices.a, ["sync", "run"])
        // A flipped byte in one picture blob on the transport (a file-sync tool, a bad disk).
        let blobs = try FileManager.default.subpathsOfDirectory(atPath: sharedFolder.path).filter { $0.contains("blob") && !$0.hasSuffix("/") }
            .map { sharedFolder.appendingPathComponent($0) }.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
        #expect(blobs.count == 2)
        var bytes = try Data(contentsOf: blobs[0])
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: blobs[0])
        let run = try devices.on(devices.b, ["sync", "run"], expect: 15)
        #expect(run.stderr.contains("unreadable"), "\(run.stderr)")
        let ids = try devices.on(devices.a, ["list", "--json"]).stdout.matches(of: /"id" : "([0-9a-f-]{36})"/).map { String($0.1) }
        // Later edits flow past the damaged picture, and the picture comes again.
        _ = try devices.on(devices.a, ["fav", ids[0]])
        _ = try devices.on(devices.a, ["fav", ids[1]])
        // B's run asked for the picture again; A's run, which holds it, answers with a new blob.
        _ = try devices.on(devices.a, ["sync", "run"])
        _ = try devices.on(devices.b, ["sync", "run"])
        let received = try devices.on(devices.b, ["list", "--json"]).stdout
        #expect(received.components(separatedBy: "\"favorite\" : true").count - 1 == 2, "\(received)")
        let images = devices.b + "/images"
        #expect(try FileManager.default.subpathsOfDirectory(atPath: images).filter { $0.hasSuffix(".png") }.count == 2)
        _ = try devices.on(devices.b, ["doctor"])
        _ = try devices.on(devices.b, ["sync", "run"])   // nothing left to complain about
    }

    @Test func reimportingAPictureWhoseFileWasDeletedRestoresTheFile() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let picture = try cli.writePNG("keep.png", seed: 71)
        try cli.run(["import", picture.path])
        let item = try #require(try cli.listJSON().first)
        let stored = try #require((item["image"] as? [String: Any])?["path"] as? String)
        try FileManager.default.removeItem(atPath: stored)
        #expect(try cli.run(["doctor"]).code == 6)   // a missing picture
        let again = try cli.run(["import", picture.path])
        #expect(again.code == 0 && again.stdout.contains("duplicate"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: stored)) == (try Data(contentsOf: picture)))
        #expect(try cli.run(["doctor"]).code == 0)
    }

    static func chmodTree(_ folder: URL, writable: Bool) throws {
        let paths = [folder.path] + (try FileManager.default.subpathsOfDirectory(atPath: folder.path)).map { folder.appendingPathComponent($0).path }
        for path in paths {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let mode: Int16 = isDirectory.boolValue ? (writable ? 0o755 : 0o555) : (writable ? 0o644 : 0o444)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
    }
}
