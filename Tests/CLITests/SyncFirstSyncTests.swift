import Foundation
import Testing

/// A first sync of many pictures through a relay that rate-limits: one run each, one blob per
/// picture, nothing left behind by killed runs (issue 31).
@Suite struct SyncFirstSyncTests {
    static func relayBlobCount(_ database: URL) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database.path, "SELECT count(*) FROM relay_objects WHERE name LIKE 'blob/%'"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    func library(_ cli: CLIHarness, pictures: Int, relay: RelayProcess) throws -> TwoDevices {
        let devices = try TwoDevices(cli)
        let files = try (0..<pictures).map { try cli.writePNG("many/\($0).png", seed: 1000 + $0).path }
        _ = try devices.on(devices.a, ["import"] + files)
        let transport = "http://127.0.0.1:\(relay.port)"
        _ = try devices.on(devices.a, ["sync", "init", "--transport", transport, "--name", "laptop"])
        let code = try #require(try devices.on(devices.a, ["sync", "pair"]).stdout.split(separator: "\n").last.map(String.init))
        _ = try devices.on(devices.b, ["sync", "join", code, "--transport", transport, "--name", "phone"])
        return devices
    }

    @Test func aFirstSyncThroughARateLimitingRelayFinishesInOneRunWithOneBlobPerPicture() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let database = cli.scratch.appendingPathComponent("relay.sqlite")
        // A burst far below the library's size: most puts meet a 429 first.
        let relay = try RelayProcess(storage: "sqlite:" + database.path, extra: ["--rate", "60", "--burst", "20"])
        defer { relay.stop() }
        let devices = try library(cli, pictures: 150, relay: relay)
        let sent = try devices.on(devices.a, ["sync", "run"]).stdout
        #expect(sent.contains("150 picture(s)"), "\(sent)")
        _ = try devices.on(devices.b, ["sync", "run"])
        #expect(try cli.run(["list", "--json", "--limit", "1000", "--include-flagged", "--library", devices.b], withLibrary: false,
                            environment: devices.environment).stdout.components(separatedBy: "\"status\" : \"succeeded\"").count - 1 == 150)
        #expect(try Self.relayBlobCount(database) == 150)
    }

    @Test func pushesKilledMidwayLeaveNoBlobBehind() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let database = cli.scratch.appendingPathComponent("relay.sqlite")
        let relay = try RelayProcess(storage: "sqlite:" + database.path)
        defer { relay.stop() }
        let devices = try library(cli, pictures: 120, relay: relay)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<6 {
            let process = Process()
            process.executableURL = CLIHarness.executable
            process.arguments = ["sync", "run", "--library", devices.a]
            process.environment = ProcessInfo.processInfo.environment.merging(devices.environment) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 50_000...600_000, using: &random))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        _ = try devices.on(devices.a, ["sync", "run"])
        _ = try devices.on(devices.b, ["sync", "run"])
        #expect(try Self.relayBlobCount(database) == 120)
        #expect(try devices.normalizedList(devices.a) == (try devices.normalizedList(devices.b)))
    }

    @Test func syncRunReportsItsProgressAsJSONLines() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let relay = try RelayProcess(storage: "sqlite:" + cli.scratch.appendingPathComponent("relay.sqlite").path)
        defer { relay.stop() }
        let devices = try library(cli, pictures: 12, relay: relay)
        func phases(_ library: String) throws -> [String: [[String: Any]]] {
            let run = try devices.on(library, ["sync", "run", "--progress", "json"])
            let events = run.stderr.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.filter { $0["task"] as? String == "sync" }
            return Dictionary(grouping: events.filter { $0["event"] as? String == "progress" }) { $0["phase"] as? String ?? "" }
        }
        let sent = try phases(devices.a)
        #expect(sent["uploading pictures"]?.last?["done"] as? Int == 12, "\(sent)")
        #expect((sent["uploading pictures"]?.last?["bytes"] as? Int ?? 0) > 12 * 100)
        #expect(sent["sending"]?.last?["done"] as? Int == sent["sending"]?.last?["total"] as? Int)
        let received = try phases(devices.b)
        #expect(received["downloading pictures"]?.last?["done"] as? Int == 12, "\(received)")
        #expect(received["applying"]?.last?["done"] as? Int == received["applying"]?.last?["total"] as? Int)
    }

    @Test func syncRunDrawsItsProgressOnATerminal() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let relay = try RelayProcess(storage: "sqlite:" + cli.scratch.appendingPathComponent("relay.sqlite").path)
        defer { relay.stop() }
        let devices = try library(cli, pictures: 30, relay: relay)
        let shown = try TerminalSession().run(cli, ["sync", "run"], library: devices.a, environment: devices.environment)
        let screen = shown.raw
        #expect(shown.code == 0, "\(screen)")
        #expect(screen.contains("uploading pictures"), "\(screen)")
        #expect(screen.contains("\r\u{1B}[K"), "the bar is drawn in place and cleared")
        #expect(screen.contains("Sent 32 change(s)"), "\(screen)")   // 30 pictures, the device's name and credentials authority
    }
}
