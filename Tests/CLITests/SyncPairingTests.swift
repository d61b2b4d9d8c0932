import Foundation
import Testing

/// Pairing and revocation without traps (issue 31), through the CLI.
@Suite struct SyncPairingTests {
    func pairCode(_ devices: TwoDevices) throws -> (code: String, advice: String) {
        let pair = try devices.on(devices.a, ["sync", "pair"])
        return (try #require(pair.stdout.split(separator: "\n").last.map(String.init)), pair.stderr)
    }

    @Test func aMistypedCodeIsRefusedAtOnceNamingItsGroup() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let shared = "folder:" + cli.scratch.appendingPathComponent("shared").path
        let devices = try TwoDevices(cli)
        _ = try devices.on(devices.a, ["sync", "init", "--transport", shared])
        let (code, advice) = try pairCode(devices)
        // `pair` prints the exact command, transport included.
        #expect(advice.contains("darkroom sync join \(code) --transport \(shared)"), "\(advice)")
        var characters = Array(code)
        let last = characters.count - 2   // a code character of the last group
        characters[last] = characters[last] == "7" ? "8" : "7"
        let mistyped = String(characters)
        let refused = try devices.on(devices.b, ["sync", "join", mistyped, "--transport", shared], expect: 64)
        #expect(refused.stderr.contains("group 9"), "\(refused.stderr)")
        #expect(try devices.on(devices.b, ["sync", "status"], expect: 17).code == 17)   // nothing was set up
        _ = try devices.on(devices.b, ["sync", "join", code, "--transport", shared])
    }

    @Test func leaveUndoesAJoinAndNamesAreKnownAtAdmissionSoRevokeWorksByName() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let shared = "folder:" + cli.scratch.appendingPathComponent("shared").path
        let devices = try TwoDevices(cli)
        _ = try devices.on(devices.a, ["import", try cli.writePNG("one.png", seed: 91).path])
        _ = try devices.on(devices.a, ["sync", "init", "--transport", shared, "--name", "laptop"])
        // A join given up, then made again with a new code.
        _ = try devices.on(devices.b, ["sync", "join", try pairCode(devices).code, "--transport", shared, "--name", "phone"])
        #expect(try devices.on(devices.b, ["sync", "leave"]).stdout.contains("Sync removed"))
        #expect(try devices.on(devices.b, ["list", "--json"]).code == 0)
        _ = try devices.on(devices.b, ["sync", "join", try pairCode(devices).code, "--transport", shared, "--name", "phone"])
        let admitted = try devices.on(devices.a, ["sync", "run"])
        #expect(admitted.stderr.contains("device revoke"), "\(admitted.stderr)")   // what to do on a fingerprint mismatch
        #expect(try devices.on(devices.a, ["device", "list"]).stdout.contains("phone"))
        _ = try devices.on(devices.b, ["sync", "run"])
        // Revoked by the name it chose, right after admission.
        _ = try devices.on(devices.a, ["device", "revoke", "phone"])
        _ = try devices.on(devices.a, ["sync", "run"])
        let revoked = try devices.on(devices.b, ["sync", "run"], expect: 17)
        #expect(revoked.stderr.contains("removed from the library"), "\(revoked.stderr)")
        #expect(try devices.on(devices.b, ["device", "list"]).stdout.contains("revoked (this device)"))
        // Leaving a synced device keeps its gallery.
        _ = try devices.on(devices.b, ["sync", "leave"])
        #expect(try devices.on(devices.b, ["list", "--json"]).stdout.contains("\"id\""))
    }

    @Test func aDeviceRevokedOverTheRelayGetsExit17AndSaysSo() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let relay = try RelayProcess(storage: "sqlite:" + cli.scratch.appendingPathComponent("relay.sqlite").path)
        defer { relay.stop() }
        let transport = "http://127.0.0.1:\(relay.port)"
        let devices = try TwoDevices(cli)
        _ = try devices.on(devices.a, ["sync", "init", "--transport", transport, "--name", "laptop"])
        _ = try devices.on(devices.b, ["sync", "join", try pairCode(devices).code, "--transport", transport, "--name", "phone"])
        _ = try devices.on(devices.a, ["sync", "run"])
        _ = try devices.on(devices.b, ["sync", "run"])
        _ = try devices.on(devices.a, ["device", "revoke", "phone"])
        _ = try devices.on(devices.a, ["sync", "run"])
        let revoked = try devices.on(devices.b, ["sync", "run"], expect: 17)
        #expect(revoked.stderr.contains("removed from the library"), "\(revoked.stderr)")
        #expect(try devices.on(devices.b, ["device", "list"]).stdout.contains("revoked (this device)"))
    }

    @Test func defaultDeviceNamesAreTheHostNameWithAShortID() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let shared = "folder:" + cli.scratch.appendingPathComponent("shared").path
        let devices = try TwoDevices(cli)
        _ = try devices.on(devices.a, ["sync", "init", "--transport", shared])
        _ = try devices.on(devices.b, ["sync", "join", try pairCode(devices).code, "--transport", shared])
        _ = try devices.on(devices.a, ["sync", "run"])
        let names = try devices.on(devices.a, ["device", "list"]).stdout.split(separator: "\n").dropFirst()
            .compactMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) }
        let host = ProcessInfo.processInfo.hostName
        #expect(names.count == 2 && Set(names).count == 2, "\(names)")
        #expect(names.allSatisfy { $0.hasPrefix(host + "-") }, "\(names)")
    }
}

extension SyncPairingTests {
    @Test func aCodeForAnotherLibraryOrTransportIsRefusedWithTheReason() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let ours = "folder:" + cli.scratch.appendingPathComponent("ours").path
        let theirs = "folder:" + cli.scratch.appendingPathComponent("theirs").path
        let devices = try TwoDevices(cli)
        _ = try devices.on(devices.a, ["sync", "init", "--transport", ours])
        let code = try pairCode(devices).code
        // Another library's folder.
        let other = cli.scratch.appendingPathComponent("C").path
        _ = try devices.on(other, ["init"])
        _ = try devices.on(other, ["sync", "init", "--transport", theirs])
        let wrongLibrary = try devices.on(devices.b, ["sync", "join", code, "--transport", theirs], expect: 16)
        #expect(wrongLibrary.stderr.contains("but the code is for library"), "\(wrongLibrary.stderr)")
        // An empty folder.
        let empty = "folder:" + cli.scratch.appendingPathComponent("empty").path
        let nothing = try devices.on(devices.b, ["sync", "join", code, "--transport", empty], expect: 16)
        #expect(nothing.stderr.contains("holds no sync library"), "\(nothing.stderr)")
        // A relay that holds no such library.
        let relay = try RelayProcess(storage: "sqlite:" + cli.scratch.appendingPathComponent("relay.sqlite").path)
        defer { relay.stop() }
        let noLibrary = try devices.on(devices.b, ["sync", "join", code, "--transport", "http://127.0.0.1:\(relay.port)"], expect: 16)
        #expect(noLibrary.stderr.contains("holds no"), "\(noLibrary.stderr)")
        // Nothing was set up by the refusals: the right transport still works.
        _ = try devices.on(devices.b, ["sync", "join", code, "--transport", ours])
    }
}

extension SyncPairingTests {
    /// Sets a sync bookkeeping time in a library to a day and a half ago (time passing, as the
    /// `sqlite3` tool sees the file: the value is a plain timestamp).
    func age(_ library: String, keyPrefix: String) throws {
        let old = "2000-01-01 00:00:00.000"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [library + "/library.sqlite", "UPDATE sync_meta SET value = CAST('\(old)' AS BLOB) WHERE key LIKE '\(keyPrefix)%'"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func anExpiredCodeAdmitsNoOneAndTheJoiningDeviceIsToldWhy() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let shared = "folder:" + cli.scratch.appendingPathComponent("shared").path
        let devices = try TwoDevices(cli)
        _ = try devices.on(devices.a, ["sync", "init", "--transport", shared])
        _ = try devices.on(devices.b, ["sync", "join", try pairCode(devices).code, "--transport", shared, "--name", "late"])
        try age(devices.a, keyPrefix: "pairing-issued/")
        try age(devices.b, keyPrefix: "join-asked-at")
        let admitting = try devices.on(devices.a, ["sync", "run"])
        #expect(!admitting.stdout.contains("Admitted"), "\(admitting.stdout)")
        let waiting = try devices.on(devices.b, ["sync", "run"], expect: 17)
        #expect(waiting.stderr.contains("expired"), "\(waiting.stderr)")
    }
}
