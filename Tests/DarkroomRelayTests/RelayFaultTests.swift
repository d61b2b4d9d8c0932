import DarkroomCrypto
import DarkroomRelay
import DarkroomSync
import Foundation
import Testing

extension RelayTests {
    /// Relay restarts, database restarts and unreachable relays.
    @Suite struct RelayFaultTests {
        @Test(arguments: RelayBackend.available)
        func uploadResumesAcrossARelayRestartWithNothingLostOrDuplicated(backend: RelayBackend) async throws {
            var configuration = RelayConfiguration()
            configuration.maxPartBytes = 32 << 10
            try await withRelay(backend, configuration: configuration) { relay in
                let blob = SecureRandom.bytes(4 << 20)
                let name = blobName(blob)
                let transport = relay.transport(relay.a, attempts: 60, partSize: 32 << 10)
                let upload = Task { try await transport.put(blob, name: name) }
                // Stop the relay once some parts are in, then start it again on the same port.
                var staged: Int64 = 0
                for _ in 0..<2000 where staged == 0 {
                    try await Task.sleep(for: .milliseconds(5))
                    staged = try await relay.storage.stagedPrefix(of: name, in: relay.library)
                }
                #expect(staged > 0)
                try await relay.restart()
                try await upload.value
                #expect(try await relay.transport(relay.b).get(name) == blob)
                let listed = try await relay.transport(relay.b).listAll(after: nil).names
                #expect(listed.filter { $0 == name }.count == 1)
                #expect(try await relay.storage.stagedPrefix(of: name, in: relay.library) == 0)
                // A new client that starts the same upload again (after a crash) sends nothing twice.
                try await transport.put(blob, name: name)
            }
        }

        @Test func cancelledUploadResumesFromWhatTheRelayHas() async throws {
            var configuration = RelayConfiguration()
            configuration.maxPartBytes = 32 << 10
            try await withRelay(.sqlite, configuration: configuration) { relay in
                let blob = SecureRandom.bytes(2 << 20)
                let name = blobName(blob)
                let transport = relay.transport(relay.a, partSize: 32 << 10)
                let upload = Task { try await transport.put(blob, name: name) }
                var staged: Int64 = 0
                for _ in 0..<2000 where staged < 256 << 10 {
                    try await Task.sleep(for: .milliseconds(5))
                    staged = try await relay.storage.stagedPrefix(of: name, in: relay.library)
                }
                upload.cancel()
                _ = try? await upload.value
                // A part already on the wire may still land after the cancellation: wait until the
                // relay's count of received bytes and the staged prefix stop moving.
                var before = relay.server.metrics.bytesIn
                var received = try await relay.storage.stagedPrefix(of: name, in: relay.library)
                for _ in 0..<100 {
                    try await Task.sleep(for: .milliseconds(50))
                    let (nowIn, nowStaged) = (relay.server.metrics.bytesIn, try await relay.storage.stagedPrefix(of: name, in: relay.library))
                    if nowIn == before && nowStaged == received { break }
                    (before, received) = (nowIn, nowStaged)
                }
                try await transport.put(blob, name: name)
                let sent = relay.server.metrics.bytesIn - before
                #expect(received > 0)
                #expect(sent == Int64(blob.count) - received)
                #expect(try await transport.get(name) == blob)
            }
        }

        @Test func unreachableRelayIsAClearError() async throws {
            let transport = HTTPTransport(baseURL: URL(string: "http://127.0.0.1:9")!, library: LibraryID.random(), identity: DeviceIdentity(name: ""),
                                          retryPolicy: .init(attempts: 2, initialDelay: .milliseconds(10)))
            do {
                _ = try await transport.list(after: nil)
                Issue.record("listing an unreachable relay succeeded")
            } catch let error as TransportError {
                guard case .unreachable = error else { Issue.record("expected .unreachable, got \(error)"); return }
                #expect(error.description.contains("cannot be reached"))
            }
        }

        /// Restarts PostgreSQL while devices keep writing: every put succeeds after retries.
        /// Runs where `DARKROOM_TEST_POSTGRES_RESTART` names the command that restarts the server
        /// (`bash scripts/postgres-for-tests.sh restart`), as `scripts/test.sh` does for the server
        /// it starts; the relay suite runs one test at a time, so the restart fails no other.
        @Test(.enabled(if: RelayBackend.postgresURL != nil && ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_RESTART"] != nil))
        func postgresRestartMidRunIsRetried() async throws {
            var configuration = RelayConfiguration()
            configuration.deviceRateLimit = .unlimited
            configuration.libraryRateLimit = .unlimited
            try await withRelay(.postgres, configuration: configuration) { relay in
                let a = relay.transport(relay.a, attempts: 40, requestTimeout: .seconds(3))
                var names: [ObjectName] = []
                for i in 0..<5 {
                    let e = try relay.nextEnvelope(relay.a.id, "before restart \(i)")
                    try await a.put(e.bytes, name: e.name)
                    names.append(e.name)
                }
                let command = ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_RESTART"]!
                let finished = RestartFlag()
                let restart = Task.detached { () throws -> Int32 in
                    let status = try await shell(command)
                    await finished.set()
                    return status
                }
                // Keep writing while the database restarts (at most 30 s).
                let deadline = ContinuousClock.now + .seconds(30)
                var i = 0
                while !(await finished.done), ContinuousClock.now < deadline {
                    let e = try relay.nextEnvelope(relay.a.id, "during restart \(i)")
                    try await a.put(e.bytes, name: e.name)
                    names.append(e.name)
                    i += 1
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(try await restart.value == 0)
                for i in 0..<5 {
                    let e = try relay.nextEnvelope(relay.a.id, "after restart \(i)")
                    try await a.put(e.bytes, name: e.name)
                    names.append(e.name)
                }
                // Puts ran while the server went down and came back. The pool may hide the restart
                // (a failed connection is replaced before a query needs it) or a put may get a 503
                // and be retried by the transport; either way every put is there, once, in order.
                #expect(i > 0)
                let listed = try await relay.transport(relay.b, attempts: 40).listAll(after: nil).names
                #expect(Array(listed.suffix(names.count)) == names)
            }
        }
    }
}

/// Runs `command` with `/bin/sh -c` and returns its exit status, waiting for the shell alone
/// (`waitpid` on a thread of its own). Not Foundation's `Process`: on Linux it learns of an exit
/// when every process that inherited its descriptor has closed it, so a database server the
/// command starts keeps `waitUntilExit` waiting for as long as the server runs.
private func shell(_ command: String) async throws -> Int32 {
    let words: [String] = ["/bin/sh", "-c", command]
    let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { for argument in arguments { free(argument) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, arguments, environ)
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
    let child = pid
    return await withCheckedContinuation { continuation in
        Thread {
            var status: Int32 = 0
            while waitpid(child, &status, 0) == -1 && errno == EINTR {}
            continuation.resume(returning: (status >> 8) & 0xff)
        }.start()
    }
}

/// Set when a background command has finished.
private actor RestartFlag {
    private(set) var done = false
    func set() { done = true }
}
