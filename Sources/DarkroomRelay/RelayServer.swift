import DarkroomSync
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The Darkroom relay: an HTTP server (Hummingbird 2) that stores and serves opaque,
/// already-encrypted sync objects per library, authenticating every request by a member
/// device's signature. All state lives in `storage`; processes are stateless.
public struct RelayServer: Sendable {
    /// Where objects, memberships and nonces live.
    public let storage: any RelayStorage
    /// Limits and policies.
    public let configuration: RelayConfiguration
    /// This process's counters, also served at `/metrics`.
    public let metrics = RelayMetrics()
    private let middleware: [RelayMiddleware]
    private let logger: Logger

    /// A relay over `storage`. `middleware` runs between the relay's error and metrics middleware and
    /// its routes; the `darkroom-relay` program gives none (the sync tests give a misbehaving relay's).
    public init(storage: any RelayStorage, configuration: RelayConfiguration = RelayConfiguration(),
                logger: Logger = Logger(label: "darkroom.relay"), middleware: [RelayMiddleware] = []) {
        self.storage = storage
        self.configuration = configuration
        self.logger = logger
        self.middleware = middleware
    }

    private func application(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let responder = RelayResponder(storage: storage, configuration: configuration, metrics: metrics, logger: logger)
        return Application(router: responder.router(middleware: middleware), configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "darkroom-relay"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// Prepares storage and serves until SIGTERM or SIGINT, then stops accepting connections
    /// and finishes the requests in flight before returning.
    public func run(host: String = "127.0.0.1", port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await storage.prepare()
        let app = application(host: host, port: port, onRunning: onRunning)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Prepares storage and starts serving in the background (tests, benchmarks); `port` 0
    /// picks a free port. Stop it with `RunningRelay.stop()`.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> RunningRelay {
        try await storage.prepare()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = application(host: host, port: port) { bound in
            continuation.yield(bound)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            try await task.value
            throw RelayStorageError.database("the relay stopped before it was listening")
        }
        return RunningRelay(port: bound, group: group, task: task)
    }
}

/// A relay serving in the background.
public struct RunningRelay: Sendable {
    /// The port it listens on.
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, Error>

    init(port: Int, group: ServiceGroup, task: Task<Void, Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    /// `http://127.0.0.1:PORT`.
    public var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Stops accepting connections, finishes requests in flight, and returns when done.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
