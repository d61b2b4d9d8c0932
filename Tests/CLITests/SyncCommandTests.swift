import Foundation
import Testing

/// The documented pairing flow, run as separate `darkroom` processes on libraries that share a folder.
@Suite struct SyncCommandTests {
    @Test func twoProcessesPairThroughAFolderEditOfflineAndConverge() throws {
        let cli = try CLIHarness()
        defer { cli.cleanup() }
        let shared = "folder:" + cli.scratch.appendingPathComponent("shared").path
        let devices = try TwoDevices(cli)
        let (a, b) = (devices.a, devices.b)
        func on(_ library: String, _ args: [String], expect code: Int32 = 0) throws -> CLIHarness.Result {
            try devices.on(library, args, expect: code)
        }
        _ = try on(a, ["import", try cli.writePNG("one.png", seed: 1).path, try cli.writePNG("two.png", seed: 2).path])

        let setup = try on(a, ["sync", "init", "--transport", shared, "--name", "laptop"])
        let words = setup.stdout.split(separator: "\n").first { $0.hasPrefix("  ") }?.split(separator: " ")
        #expect(words?.count == 24)
        let code = try #require(try on(a, ["sync", "pair"]).stdout.split(separator: "\n").last.map(String.init))
        _ = try on(b, ["sync", "join", code, "--transport", shared, "--name", "tablet"])
        _ = try on(b, ["sync", "run"], expect: 17)   // not admitted yet
        let admitted = try on(a, ["sync", "run"]).stdout
        let joined = try on(b, ["sync", "run"]).stdout
        let fingerprint = { (text: String) in text.split(separator: "\n").first { $0.contains("Fingerprint:") }?
            .components(separatedBy: "Fingerprint: ").last?.prefix(29) }
        #expect(fingerprint(admitted) != nil && fingerprint(admitted) == fingerprint(joined))

        // Offline edits on both sides.
        let ids = try on(a, ["list", "--json"]).stdout.matches(of: /"id" : "([0-9a-f-]{36})"/).map { String($0.1) }
        #expect(ids.count == 2)
        _ = try on(a, ["fav", ids[0]])
        _ = try on(b, ["tag", "add", "sea", ids[1]])
        _ = try on(b, ["album", "add", "Trips", ids[0], "--create"])
        _ = try on(a, ["rate", ids[1], "3"])
        for library in [a, b, a] { _ = try on(library, ["sync", "run"]) }
        #expect(try devices.normalizedList(a) == (try devices.normalizedList(b)))
        #expect(try on(b, ["device", "list"]).stdout.contains("laptop"))
        #expect(try on(a, ["sync", "status"]).stdout.contains("2 active device(s)"))

        // A tampered envelope: the run applies nothing of it and exits 15.
        let sharedFolder = cli.scratch.appendingPathComponent("shared")
        _ = try on(a, ["rate", ids[0], "5"])
        _ = try on(a, ["sync", "run"])
        let logs = try FileManager.default.subpathsOfDirectory(atPath: sharedFolder.path).filter { $0.contains("log~") }.sorted { a, b in
            (try? FileManager.default.attributesOfItem(atPath: sharedFolder.appendingPathComponent(a).path)[.modificationDate] as? Date ?? .distantPast)!
                < (try? FileManager.default.attributesOfItem(atPath: sharedFolder.appendingPathComponent(b).path)[.modificationDate] as? Date ?? .distantPast)!
        }
        let newest = sharedFolder.appendingPathComponent(try #require(logs.last))
        var bytes = try Data(contentsOf: newest)
        bytes[bytes.count - 70] ^= 1
        try bytes.write(to: newest)
        let rejected = try on(b, ["sync", "run"], expect: 15)
        #expect(rejected.stderr.contains("rejected"))
        #expect(!(try on(b, ["show", ids[0], "--json"]).stdout.contains("\"rating\" : 5")))
    }

    @Test func twoProcessesPairAndSyncThroughARealRelayOnLoopback() throws {
        let cli = try CLIHarness()
        defer { cli.cleanup() }
        let relay = try RelayProcess(storage: "sqlite:" + cli.scratch.appendingPathComponent("relay.sqlite").path)
        defer { relay.stop() }
        let transport = "http://127.0.0.1:\(relay.port)"
        let devices = try TwoDevices(cli)
        let (a, b) = (devices.a, devices.b)
        func on(_ library: String, _ args: [String], expect code: Int32 = 0) throws -> CLIHarness.Result {
            try devices.on(library, args, expect: code)
        }
        _ = try on(a, ["import", try cli.writePNG("one.png", seed: 5).path])
        _ = try on(a, ["sync", "init", "--transport", transport, "--name", "laptop"])
        let code = try #require(try on(a, ["sync", "pair"]).stdout.split(separator: "\n").last.map(String.init))
        _ = try on(b, ["sync", "join", code, "--transport", transport, "--name", "phone"])
        _ = try on(b, ["sync", "run"], expect: 17)          // not admitted yet: the relay refuses it
        _ = try on(a, ["sync", "run"])
        _ = try on(b, ["sync", "run"])
        let id = try #require(try cli.run(["list", "--json", "--library", b], withLibrary: false, environment: devices.environment).stdout
            .firstMatch(of: /"id" : "([0-9a-f-]{36})"/).map { String($0.1) })
        _ = try on(b, ["fav", id])
        _ = try on(b, ["sync", "run"])
        _ = try on(a, ["sync", "run"])
        #expect(try on(a, ["show", id, "--json"]).stdout.contains("\"favorite\" : true"))
        #expect(try devices.normalizedList(a) == (try devices.normalizedList(b)))
        // The relay gone: a clear transport error (exit 16), nothing lost.
        relay.stop()
        #expect(try on(b, ["sync", "run"], expect: 16).stderr.contains("relay"))
    }

    @Test func theOldRelayCommandRunsTheRelayProgram() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let help = try cli.run(["relay", "serve", "--help"], withLibrary: false)
        #expect(help.code == 0, "\(help.stderr)")
        #expect(help.stdout.contains("darkroom-relay serve") && help.stdout.contains("--storage"), "\(help.stdout)")
    }
}

/// `darkroom-relay serve` on an ephemeral loopback port, for as long as a test needs it.
final class RelayProcess {
    let process = Process()
    private(set) var port = 0

    init(storage: String, port requested: Int = 0, extra: [String] = []) throws {
        process.executableURL = CLIHarness.relayExecutable
        process.arguments = ["serve", "--port", "\(requested)", "--storage", storage] + extra
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while port == 0, Date() < deadline {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { Thread.sleep(forTimeInterval: 0.05); continue }
            seen += String(decoding: chunk, as: UTF8.self)
            if let match = seen.firstMatch(of: /http:\/\/127\.0\.0\.1:(\d+)/) { port = Int(match.1) ?? 0 }
        }
        guard port > 0 else { process.terminate(); throw CLIHarnessError.failed("the relay did not start: \(seen)") }
        // Keep draining its log so it never blocks on a full pipe.
        err.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
    }

    /// A relay on a fixed port it can be restarted on (a test that restarts it keeps the port the
    /// devices know): a random one, tried again elsewhere if something holds it.
    static func onFixedPort(storage: String) throws -> RelayProcess {
        var lastError: (any Error)?
        for _ in 0..<5 {
            do { return try RelayProcess(storage: storage, port: Int.random(in: 20_000...40_000)) } catch { lastError = error }
        }
        throw lastError!
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// Two fresh libraries, A and B, run as separate `darkroom` processes sharing one key folder.
struct TwoDevices {
    let cli: CLIHarness
    let a: String, b: String
    let environment: [String: String]

    init(_ cli: CLIHarness) throws {
        self.cli = cli
        a = cli.scratch.appendingPathComponent("A").path
        b = cli.scratch.appendingPathComponent("B").path
        environment = ["DARKROOM_KEY_DIR": cli.scratch.appendingPathComponent("keys").path]
        _ = try on(a, ["init"]); _ = try on(b, ["init"])
    }

    /// Runs `darkroom ARGS --library LIBRARY` and expects exit `code`.
    func on(_ library: String, _ args: [String], expect code: Int32 = 0) throws -> CLIHarness.Result {
        let result = try cli.run(args + ["--library", library], withLibrary: false, environment: environment)
        #expect(result.code == code, "darkroom \(args.joined(separator: " ")): \(result.stderr)")
        return result
    }

    /// Sets sync up on A through `transport`, pairs B with it, and runs a first sync on each (A, then B).
    func pair(through transport: String, names: (String, String) = ("laptop", "phone")) throws {
        _ = try on(a, ["sync", "init", "--transport", transport, "--name", names.0])
        let code = try #require(try on(a, ["sync", "pair"]).stdout.split(separator: "\n").last.map(String.init))
        _ = try on(b, ["sync", "join", code, "--transport", transport, "--name", names.1])
        _ = try on(a, ["sync", "run"])
        _ = try on(b, ["sync", "run"])
    }

    /// `list --json` with the library's own folder taken out of the paths, to compare two libraries.
    func normalizedList(_ library: String) throws -> String {
        try on(library, ["list", "--json"]).stdout.replacingOccurrences(of: library + "/", with: "")
    }
}
