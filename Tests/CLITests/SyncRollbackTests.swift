import Foundation
import Testing

/// A transport put back to an older state is caught by a normal `sync run` — no forced rescan —
/// which exits 15 and applies nothing (issue 31).
@Suite struct SyncRollbackTests {
    /// Pairs A and B over `transport`, with one picture synced; returns the devices.
    func pairedDevices(_ cli: CLIHarness, transport: String) throws -> TwoDevices {
        let devices = try TwoDevices(cli)
        _ = try devices.on(devices.a, ["import", try cli.writePNG("one.png", seed: 81).path])
        _ = try devices.on(devices.a, ["sync", "init", "--transport", transport, "--name", "laptop"])
        let code = try #require(try devices.on(devices.a, ["sync", "pair"]).stdout.split(separator: "\n").last.map(String.init))
        _ = try devices.on(devices.b, ["sync", "join", code, "--transport", transport, "--name", "tablet"])
        for library in [devices.a, devices.b, devices.a, devices.b] { _ = try devices.on(library, ["sync", "run"]) }
        return devices
    }

    /// A adds a picture and both sync: the state the rollback hides.
    func moveOn(_ cli: CLIHarness, _ devices: TwoDevices) throws {
        _ = try devices.on(devices.a, ["import", try cli.writePNG("two.png", seed: 82).path])
        for library in [devices.a, devices.b] { _ = try devices.on(library, ["sync", "run"]) }
    }

    func expectRollbackCaught(_ devices: TwoDevices, _ library: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try devices.normalizedList(library)
        let run = try devices.on(library, ["sync", "run"], expect: 15)
        #expect(run.stderr.contains("no longer served"), "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(try devices.normalizedList(library) == before, sourceLocation: sourceLocation)
        // Caught again on the next run, not only once.
        _ = try devices.on(library, ["sync", "run"], expect: 15)
    }

    @Test func aFolderRestoredFromAnOlderCopyIsCaughtOnBothDevices() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let shared = cli.scratch.appendingPathComponent("shared")
        let devices = try pairedDevices(cli, transport: "folder:" + shared.path)
        let copy = cli.scratch.appendingPathComponent("shared-copy")
        try FileManager.default.copyItem(at: shared, to: copy)
        try moveOn(cli, devices)
        let newer = cli.scratch.appendingPathComponent("shared-newer")
        try FileManager.default.moveItem(at: shared, to: newer)
        try FileManager.default.copyItem(at: copy, to: shared)
        try expectRollbackCaught(devices, devices.b)
        try expectRollbackCaught(devices, devices.a)
        // The real state back: both sync cleanly again.
        try FileManager.default.removeItem(at: shared)
        try FileManager.default.moveItem(at: newer, to: shared)
        for library in [devices.a, devices.b] { _ = try devices.on(library, ["sync", "run"]) }
    }

    @Test func aRelayWhoseSQLiteFileWasRestoredFromACopyIsCaught() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let database = cli.scratch.appendingPathComponent("relay.sqlite")
        var relay = try RelayProcess.onFixedPort(storage: "sqlite:" + database.path)
        let port = relay.port
        defer { relay.stop() }
        let devices = try pairedDevices(cli, transport: "http://127.0.0.1:\(port)")
        let files = ["", "-wal", "-shm"].map { URL(fileURLWithPath: database.path + $0) }
        func copyFiles(from: (URL) -> URL, to: (URL) -> URL) throws {
            for file in files {
                try? FileManager.default.removeItem(at: to(file))
                if FileManager.default.fileExists(atPath: from(file).path) { try FileManager.default.copyItem(at: from(file), to: to(file)) }
            }
        }
        let backup = { (file: URL) in URL(fileURLWithPath: file.path + ".backup") }
        relay.stop()
        try copyFiles(from: { $0 }, to: backup)
        relay = try RelayProcess(storage: "sqlite:" + database.path, port: port)
        try moveOn(cli, devices)
        relay.stop()
        try copyFiles(from: backup, to: { $0 })
        relay = try RelayProcess(storage: "sqlite:" + database.path, port: port)
        try expectRollbackCaught(devices, devices.b)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_URL"] != nil && getuid() == 0))
    func aRelayWhosePostgreSQLDatabaseWasRestoredFromADumpIsCaught() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        // A database of its own (other tests share darkroom_test), made as the postgres superuser.
        let base = try #require(ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_URL"])
        let name = "darkroom_rollback_\(UInt32.random(in: 0...UInt32.max))"
        let url = base.replacingOccurrences(of: #"/[^/]+$"#, with: "/\(name)", options: .regularExpression)
        try shell("runuser -u postgres -- createdb -O darkroom_test \(name)")
        defer { _ = try? shell("runuser -u postgres -- dropdb --force \(name)") }
        var relay = try RelayProcess.onFixedPort(storage: url)
        let port = relay.port
        defer { relay.stop() }
        let devices = try pairedDevices(cli, transport: "http://127.0.0.1:\(port)")
        let dump = cli.scratch.appendingPathComponent("relay.dump").path
        try shell("pg_dump --format=custom --file='\(dump)' '\(url)'")
        try moveOn(cli, devices)
        relay.stop()
        try shell("pg_restore --clean --if-exists --dbname='\(url)' '\(dump)'")
        relay = try RelayProcess(storage: url, port: port)
        try expectRollbackCaught(devices, devices.b)
    }

    @discardableResult
    func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CLIHarnessError.failed("\(command): \(text)") }
        return text
    }
}
