// Load generator for the relay (docs/benchmarks.md, "Relay"): devices push and pull small
// envelopes through HTTPTransport against relay processes on loopback, for a bounded time.
//
//   darkroom-bench-relay run --storage sqlite:/tmp/relay.sqlite [--processes 1] [--devices 200] [--seconds 60] [--cycle-ms 0]
//   darkroom-bench-relay serve --port 8081 --storage postgres://…   (one relay process, no rate limits)
//   darkroom-bench-relay wrk … [--relay-cpu PERCENT]   (the same load from wrk; optionally each relay process capped)
//
// `run` starts the relay processes (this executable with `serve`), creates one library per
// 10 devices, then every device loops: put one envelope, list after its cursor, get what is
// new. Prints requests/s, envelopes pushed/s, p50/p99 latency per request and errors.
//
// Closed loop by default (each device starts its next sync as soon as the last one ends: the
// relay's saturation throughput, where latency is devices / throughput by Little's law). With
// `--cycle-ms N` each device starts one sync every N ms instead (phases spread evenly), as a
// sync client on a timer does; a sync that starts late is timed from when it was due, so a
// relay that falls behind shows in the latencies (no coordinated omission).
import DarkroomCrypto
import DarkroomRelay
import DarkroomSync
import Foundation
import Logging

struct Options {
    var storage = "sqlite:/tmp/darkroom-bench-relay/relay.sqlite"
    var processes = 1
    var devices = 200
    var seconds = 60.0
    var port = 18080
    var devicesPerLibrary = 10
    /// Milliseconds between the starts of one device's syncs; 0: closed loop.
    var cycleMs = 0
    /// The wrk script (`wrk` mode).
    var script = "Benchmarks/relay/wrk-relay.lua"
    /// Percent of one core each relay process may use (a CPU cgroup per process); 0: no cap.
    var relayCPU = 0

    init(_ args: ArraySlice<String>) {
        var i = args.startIndex
        func value() -> String {
            i += 1
            guard i < args.endIndex else { fatalError("missing value after \(args[i - 1])") }
            return args[i]
        }
        while i < args.endIndex {
            switch args[i] {
            case "--storage": storage = value()
            case "--processes": processes = Int(value())!
            case "--devices": devices = Int(value())!
            case "--seconds": seconds = Double(value())!
            case "--port": port = Int(value())!
            case "--devices-per-library": devicesPerLibrary = Int(value())!
            case "--cycle-ms": cycleMs = Int(value())!
            case "--script": script = value()
            case "--relay-cpu": relayCPU = Int(value())!
            default: fatalError("unknown option \(args[i])")
            }
            i += 1
        }
    }
}

/// Per-request latencies and errors of one device.
struct DeviceResult: Sendable {
    var latencies: [Double] = []
    var pushed = 0
    var pulled = 0
    var errors: [String] = []
    /// Syncs that started after their due time because the previous one had not finished.
    var lateCycles = 0
}

func serve(_ options: Options) async throws {
    var logger = Logger(label: "bench-relay")
    logger.logLevel = .warning
    var configuration = RelayConfiguration()
    configuration.deviceRateLimit = .unlimited
    configuration.libraryRateLimit = .unlimited
    let location = try RelayStorageLocation(parsing: options.storage)
    let storage = try location.open(logger: logger)
    try await RelayServer(storage: storage, configuration: configuration, logger: logger).run(port: options.port) { port in
        FileHandle.standardOutput.write(Data("listening \(port)\n".utf8))
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

/// A device of the benchmark: its identity, its library's keyring and the relay it talks to.
struct Member: Sendable {
    var identity: DeviceIdentity
    var keyring: LibraryKeyring
    var url: URL
}

/// A CPU cgroup holding one relay process, capped at a share of one core: on a small machine,
/// it stands in for the process having a host of its own (what scaling out to several relay
/// processes means), so that adding a process adds CPU instead of splitting the same cores.
/// cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us`); needs root.
struct CPUCap {
    let directory: String

    init(process: Process, index: Int, percent: Int) throws {
        let fm = FileManager.default
        let quota = percent * 1000
        let v2 = fm.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers")
        directory = (v2 ? "/sys/fs/cgroup/" : "/sys/fs/cgroup/cpu/") + "darkroom-bench-relay-\(index)"
        if !fm.fileExists(atPath: directory) { try fm.createDirectory(atPath: directory, withIntermediateDirectories: false) }
        if v2 {
            try Self.write("\(quota) 100000", to: directory + "/cpu.max")
        } else {
            try Self.write("100000", to: directory + "/cpu.cfs_period_us")
            try Self.write("\(quota)", to: directory + "/cpu.cfs_quota_us")
        }
        try Self.write("\(process.processIdentifier)", to: directory + "/cgroup.procs")
    }

    /// Removes the (then empty) group.
    func remove() { _ = rmdir(directory) }

    private static func write(_ text: String, to path: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(text.utf8))
    }
}

/// Relay processes and what they run in.
struct RelayProcesses {
    var processes: [Process] = []
    var urls: [URL] = []
    var caps: [CPUCap] = []

    /// Stops every process and removes their CPU groups.
    func stop() {
        for c in processes { c.terminate(); c.waitUntilExit() }
        for cap in caps { cap.remove() }
    }
}

/// Relay processes (this executable's `serve` mode) on ports `options.port`…, each answering.
func startRelays(_ options: Options) throws -> RelayProcesses {
    if case .sqlite(let path) = try RelayStorageLocation(parsing: options.storage) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    var relays = RelayProcesses()
    for p in 0..<options.processes {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["serve", "--port", String(options.port + p), "--storage", options.storage]
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()
        relays.processes.append(child)
        if options.relayCPU > 0 {
            do { relays.caps.append(try CPUCap(process: child, index: p, percent: options.relayCPU)) } catch {
                relays.stop()
                fatalError("--relay-cpu needs a writable CPU cgroup (run as root): \(error)")
            }
        }
        // Wait for "listening".
        var line = Data()
        while !String(decoding: line, as: UTF8.self).contains("\n") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { fatalError("relay process \(p) exited") }
            line += chunk
        }
        relays.urls.append(URL(string: "http://127.0.0.1:\(options.port + p)")!)
    }
    if options.relayCPU > 0 { print("each relay process capped at \(options.relayCPU)% of one core (a CPU cgroup of its own)") }
    return relays
}

/// One library per `devicesPerLibrary` devices, its membership chain uploaded by its founder;
/// devices are spread over `urls` round-robin.
func createLibraries(_ options: Options, urls: [URL], client: RelayHTTPClient) async throws -> [Member] {
    var members: [Member] = []
    let libraries = (options.devices + options.devicesPerLibrary - 1) / options.devicesPerLibrary
    for l in 0..<libraries {
        let count = min(options.devicesPerLibrary, options.devices - l * options.devicesPerLibrary)
        let identities = (0..<count).map { _ in DeviceIdentity(name: "") }
        var keyring = try LibraryKeyring.create(founder: identities[0])
        for d in identities.dropFirst() { keyring = try keyring.admitting(d.card, by: identities[0]) }
        let founder = HTTPTransport(baseURL: urls[0], library: keyring.library, identity: identities[0], client: client)
        for (v, signed) in keyring.chain.enumerated() {
            try await founder.put(try JSONEncoder().encode(signed), name: SyncObjectName.membership(version: UInt64(v + 1)).objectName)
        }
        for (i, identity) in identities.enumerated() {
            members.append(Member(identity: identity, keyring: keyring, url: urls[(l * options.devicesPerLibrary + i) % urls.count]))
        }
    }
    print("setup: \(libraries) libraries, \(members.count) devices, \(urls.count) relay process(es), storage \(try RelayStorageLocation(parsing: options.storage))")
    return members
}

func makeClient(_ options: Options) -> RelayHTTPClient {
    RelayHTTPClient(connectionsPerHost: options.devices)
}

/// The clients the devices share, round-robin. On Linux one URLSession drives all its transfers
/// from one thread (FoundationNetworking over libcurl), so a single client would be the load
/// generator's bottleneck, not the relay: several spread the devices over the cores.
func makeClients(_ options: Options) -> [RelayHTTPClient] {
    (0..<max(2, ProcessInfo.processInfo.activeProcessorCount * 2)).map { _ in makeClient(options) }
}

func run(_ options: Options) async throws {
    let relays = try startRelays(options)
    defer { relays.stop() }
    let urls = relays.urls
    let clients = makeClients(options)
    let members = try await createLibraries(options, urls: urls, client: clients[0])

    let clock = ContinuousClock()
    let start = clock.now
    let deadline = start + .milliseconds(Int(options.seconds * 1000))
    let deviceCount = members.count
    let results = try await withThrowingTaskGroup(of: DeviceResult.self) { group in
        for (index, member) in members.enumerated() {
            group.addTask {
                var result = DeviceResult()
                let transport = HTTPTransport(baseURL: member.url, library: member.keyring.library, identity: member.identity,
                                              client: clients[index % clients.count], retryPolicy: .init(attempts: 1))
                var writer = LogWriter(library: member.keyring.library, device: member.identity.id)
                var hlc = HybridLogicalClock(device: member.identity.id)
                var cursor: TransportCursor? = nil
                let payload = Data(repeating: 0x61, count: 200)
                /// Times `op` from `due` (when the request was meant to start) or from now.
                func timed<T>(from due: ContinuousClock.Instant? = nil, _ op: () async throws -> T) async -> T? {
                    let t0 = due ?? clock.now
                    do {
                        let value = try await op()
                        result.latencies.append(seconds(clock.now - t0))
                        return value
                    } catch {
                        result.latencies.append(seconds(clock.now - t0))
                        result.errors.append("\(error)")
                        return nil
                    }
                }
                let cycle = Duration.milliseconds(options.cycleMs)
                var due = start + cycle * (Double(index) / Double(deviceCount))
                while clock.now < deadline {
                    var firstDue: ContinuousClock.Instant? = nil
                    if options.cycleMs > 0 {
                        guard due < deadline else { break }
                        if clock.now < due { try? await Task.sleep(until: due, clock: clock) } else if clock.now - due > .milliseconds(1) { result.lateCycles += 1 }
                        firstDue = due
                        due += cycle
                    }
                    let stamp = hlc.now(wallClockMs: UInt64(Date().timeIntervalSince1970 * 1000))
                    guard let envelope = try? writer.append(payload, clock: stamp, keyring: member.keyring, identity: member.identity) else { break }
                    if await timed(from: firstDue, { try await transport.put(envelope.bytes, name: envelope.name) }) != nil { result.pushed += 1 }
                    guard let page = await timed({ try await transport.list(after: cursor) }) else { continue }
                    cursor = page.nextCursor ?? cursor
                    for name in page.names where name.rawValue.hasPrefix("log/") && !name.rawValue.hasPrefix("log/\(member.identity.id)/") {
                        guard clock.now < deadline else { break }
                        if await timed({ try await transport.get(name) }) != nil { result.pulled += 1 }
                    }
                }
                return result
            }
        }
        var all: [DeviceResult] = []
        for try await r in group { all.append(r) }
        return all
    }
    let elapsed = seconds(clock.now - start)
    let latencies = results.flatMap(\.latencies).sorted()
    let errors = results.flatMap(\.errors)
    let pushed = results.map(\.pushed).reduce(0, +)
    let pulled = results.map(\.pulled).reduce(0, +)
    print(String(format: "elapsed %.1f s; requests %d (%.0f/s); envelopes pushed %d (%.0f/s), pulled %d (%.0f/s)",
                 elapsed, latencies.count, Double(latencies.count) / elapsed, pushed, Double(pushed) / elapsed, pulled, Double(pulled) / elapsed))
    print(String(format: "latency per request: p50 %.1f ms, p99 %.1f ms, max %.1f ms; errors %d",
                 percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, (latencies.last ?? .nan) * 1000, errors.count))
    if options.cycleMs > 0 {
        print("load: one sync per device every \(options.cycleMs) ms; syncs started late (previous one still running): \(results.map(\.lateCycles).reduce(0, +))")
    } else {
        print("load: closed loop (each device syncs again as soon as its last sync ends)")
    }
    for e in Set(errors).prefix(5) { print("  error: \(e)") }
}

/// The same load from wrk (Benchmarks/relay/wrk-relay.lua): one wrk process per relay process,
/// one connection per device, every request signed in the script through libsodium.
func runWrk(_ options: Options) async throws {
    guard FileManager.default.isReadableFile(atPath: options.script) else {
        fatalError("no wrk script at \(options.script): run from the repository root or pass --script PATH")
    }
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { fatalError("wrk is not installed: apt-get install wrk") }
    let relays = try startRelays(options)
    defer { relays.stop() }
    let urls = relays.urls
    let client = makeClient(options)
    let members = try await createLibraries(options, urls: urls, client: client)

    // The devices' signing seeds for the script: throwaway identities of this run, in a
    // directory only this user can read, deleted at the end.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-bench-wrk-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    defer { try? FileManager.default.removeItem(at: directory) }
    var runs: [(Process, Pipe)] = []
    for (p, url) in urls.enumerated() {
        let mine = members.filter { $0.url == url }
        let lines = mine.map { m in
            "\(m.keyring.library.rawValue) \(m.identity.id.rawValue) \(ContentHash.hex([UInt8](m.identity.signing.exportedSeed()))) \(m.keyring.chain.count)\n"
        }
        let file = directory.appendingPathComponent("devices-\(p).txt")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(lines.joined().utf8), attributes: [.posixPermissions: 0o600]) else {
            fatalError("cannot write \(file.path)")
        }
        let wrk = Process()
        wrk.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        wrk.arguments = ["-t1", "-c\(mine.count)", "-d\(Int(options.seconds))s", "--timeout", "10s", "-s", options.script, url.absoluteString]
        var environment = ProcessInfo.processInfo.environment
        environment["DARKROOM_WRK_DEVICES"] = file.path
        wrk.environment = environment
        let pipe = Pipe()
        wrk.standardOutput = pipe
        runs.append((wrk, pipe))
    }
    for (wrk, _) in runs { try wrk.run() }
    var total = 0.0
    var p99s: [Double] = []
    var errorFree = true
    for (p, (wrk, pipe)) in runs.enumerated() {
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        wrk.waitUntilExit()
        let lines = output.split(separator: "\n")
        guard wrk.terminationStatus == 0, let line = lines.first(where: { $0.hasPrefix("wrk: ") }),
              let figures = lines.first(where: { $0.hasPrefix("wrk-figures ") })?.split(separator: " ").dropFirst().compactMap({ Double($0) }),
              figures.count == 4 else {
            print(output)
            fatalError("wrk for relay process \(p) failed (status \(wrk.terminationStatus))")
        }
        print("relay process \(p): \(line.dropFirst(5))")
        total += figures[0]
        p99s.append(figures[2])
        if figures[3] != 0 { errorFree = false }
    }
    print(String(format: "total: %.0f requests/s; worst p99 %.1f ms; %@", total, p99s.max() ?? .nan, errorFree ? "no errors" : "ERRORS (see above)"))
    print("load: wrk, closed loop (\(members.count) connections, each a device's signed requests)")
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: darkroom-bench-relay run|wrk|serve [--storage LOCATION] [--processes N] [--devices N] [--seconds S] [--port P] [--cycle-ms MS] [--relay-cpu PERCENT]")
    exit(64)
}
let options = Options(arguments.dropFirst(2))
switch arguments[1] {
case "serve": try await serve(options)
case "run": try await run(options)
case "wrk": try await runWrk(options)
default:
    print("unknown mode \(arguments[1])")
    exit(64)
}
